/// AAC's AudioSpecificConfig (the init data of an AAC track) and the ADTS frame header.
public struct AACConfiguration: Sendable, Equatable {
    public static let sampleRates: [UInt32] = [
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
    ]

    public var objectType: UInt8
    public var sampleRate: UInt32
    public var channels: UInt8

    public init(objectType: UInt8, sampleRate: UInt32, channels: UInt8) {
        self.objectType = objectType
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// Parses an AudioSpecificConfig.
    public init(bytes: [UInt8]) throws(MediaError) {
        var reader = BitReader(bytes)
        var type = try reader.bits(5)
        if type == 31 { type = 32 + (try reader.bits(6)) }
        let index = Int(try reader.bits(4))
        let rate: UInt32
        if index == 15 {
            rate = try reader.bits(24)
        } else {
            guard index < AACConfiguration.sampleRates.count else { throw .invalid("AAC sample rate index") }
            rate = AACConfiguration.sampleRates[index]
        }
        guard rate > 0 else { throw .invalid("AAC sample rate") }
        objectType = UInt8(truncatingIfNeeded: type)
        sampleRate = rate
        channels = UInt8(try reader.bits(4))
    }

    /// The two-byte AudioSpecificConfig for the common case (object type below 31, a standard rate).
    public var bytes: [UInt8] {
        let index = UInt8(AACConfiguration.sampleRates.firstIndex(of: sampleRate) ?? 4)
        return [objectType << 3 | index >> 1, (index & 1) << 7 | (channels & 0x0F) << 3]
    }

    /// The 7-byte ADTS header (no CRC) for a raw frame of `payloadLength` bytes.
    public func adtsHeader(payloadLength: Int) -> [UInt8] {
        let index = UInt8(AACConfiguration.sampleRates.firstIndex(of: sampleRate) ?? 4)
        let length = payloadLength + 7
        let profile = max(objectType, 1) - 1
        return [
            0xFF, 0xF1,
            (profile & 3) << 6 | index << 2 | (channels >> 2) & 1,
            (channels & 3) << 6 | UInt8(truncatingIfNeeded: length >> 11) & 3,
            UInt8(truncatingIfNeeded: length >> 3), UInt8(truncatingIfNeeded: length & 7) << 5 | 0x1F, 0xFC,
        ]
    }

    /// Reads an ADTS header: the configuration, header length and whole frame length.
    public static func parseADTS(_ bytes: ArraySlice<UInt8>) throws(MediaError) -> (
        configuration: AACConfiguration, headerLength: Int, frameLength: Int
    ) {
        var reader = BitReader(Array(bytes.prefix(9)))
        guard try reader.bits(12) == 0xFFF else { throw .invalid("ADTS sync word") }
        try reader.skip(3)
        let noCRC = try reader.bit()
        let profile = try reader.bits(2)
        let index = Int(try reader.bits(4))
        guard index < sampleRates.count else { throw .invalid("ADTS sample rate index") }
        try reader.skip(1)
        let channels = UInt8(try reader.bits(3))
        try reader.skip(4)
        let frameLength = Int(try reader.bits(13))
        let headerLength = noCRC == 1 ? 7 : 9
        guard frameLength >= headerLength else { throw .invalid("ADTS frame length") }
        return (
            AACConfiguration(objectType: UInt8(profile) + 1, sampleRate: sampleRates[index], channels: channels),
            headerLength, frameLength
        )
    }
}
