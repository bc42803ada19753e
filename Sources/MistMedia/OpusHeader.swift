/// Opus's identification header, which tracks keep as their init data (`OpusHead`, RFC 7845),
/// and the forms containers carry it in: MP4's `dOps` box (big-endian, no magic) and MPEG-TS's
/// Opus descriptors.
public struct OpusHeader: Sendable, Equatable {
    public var channels: UInt8
    public var preSkip: UInt16
    public var inputSampleRate: UInt32
    public var outputGain: Int16
    public var mappingFamily: UInt8
    /// Stream count, coupled count and channel mapping, present when `mappingFamily` is not 0.
    public var mappingTable: [UInt8]

    /// A header for `channels` channels (1 or 2: mapping family 0) at 48 kHz, as a container
    /// that carries no header of its own (MPEG-TS) implies it.
    public init(channels: UInt8, preSkip: UInt16 = 0) {
        self.channels = channels
        self.preSkip = preSkip
        inputSampleRate = 48000
        outputGain = 0
        mappingFamily = 0
        mappingTable = []
    }

    /// An Opus packet's length in 48 kHz samples, from its TOC byte and frame count (RFC 6716
    /// section 3.1); nil for a packet too short to say.
    public static func samples(inPacket packet: ArraySlice<UInt8>) -> Int? {
        guard let toc = packet.first else { return nil }
        let configuration = Int(toc >> 3)
        let frameSize: Int  // in 48 kHz samples
        switch configuration {
        case 0...11: frameSize = [480, 960, 1920, 2880][configuration % 4]
        case 12...15: frameSize = [480, 960][configuration % 2]
        default: frameSize = [120, 240, 480, 960][configuration % 4]
        }
        switch toc & 3 {
        case 0: return frameSize
        case 1, 2: return frameSize * 2
        default:
            guard packet.count >= 2 else { return nil }
            return frameSize * Int(packet[packet.startIndex + 1] & 0x3F)
        }
    }

    /// Parses an `OpusHead` packet.
    public init(opusHead bytes: [UInt8]) throws(MediaError) {
        guard bytes.starts(with: Array("OpusHead".utf8)) else { throw .invalid("not an OpusHead") }
        var reader = ByteReader(bytes, position: 8, what: "OpusHead")
        try reader.skip(1)
        channels = try reader.uint8()
        preSkip = UInt16(littleEndian: try reader.uint16().byteSwapped)
        inputSampleRate = UInt32(littleEndian: try reader.uint32().byteSwapped)
        outputGain = Int16(bitPattern: UInt16(littleEndian: try reader.uint16().byteSwapped))
        mappingFamily = try reader.uint8()
        mappingTable = mappingFamily == 0 ? [] : Array(reader.rest())
    }

    /// Parses the body of an MP4 `dOps` box.
    public init(dOps bytes: [UInt8]) throws(MediaError) {
        var reader = ByteReader(bytes, what: "dOps")
        try reader.skip(1)
        channels = try reader.uint8()
        preSkip = try reader.uint16()
        inputSampleRate = try reader.uint32()
        outputGain = Int16(bitPattern: try reader.uint16())
        mappingFamily = try reader.uint8()
        mappingTable = mappingFamily == 0 ? [] : Array(reader.rest())
    }

    /// The `OpusHead` packet (little-endian fields).
    public var opusHead: [UInt8] {
        Array("OpusHead".utf8) + [1, channels] + Self.littleEndian(UInt64(preSkip), 2)
            + Self.littleEndian(UInt64(inputSampleRate), 4)
            + Self.littleEndian(UInt64(UInt16(bitPattern: outputGain)), 2) + [mappingFamily] + mappingTable
    }

    /// The body of an MP4 `dOps` box (version 0, big-endian fields).
    public var dOps: [UInt8] {
        [0, channels] + Self.bigEndian(UInt64(preSkip), 2) + Self.bigEndian(UInt64(inputSampleRate), 4)
            + Self.bigEndian(UInt64(UInt16(bitPattern: outputGain)), 2) + [mappingFamily] + mappingTable
    }

    /// The PMT descriptors of an Opus elementary stream: registration (`Opus`) and the DVB
    /// extension descriptor with the channel configuration.
    public var tsDescriptors: [UInt8] {
        [0x05, 4] + Array("Opus".utf8) + [0x7F, 2, 0x80, channels]
    }

    /// One Opus packet framed for an MPEG-TS PES payload: the control header (0x7FE0, then the
    /// size as a run of 255s and a remainder) before the packet.
    public static func tsControlHeader(packetSize: Int) -> [UInt8] {
        [0x7F, 0xE0] + [UInt8](repeating: 255, count: packetSize / 255) + [UInt8(truncatingIfNeeded: packetSize % 255)]
    }

    private static func littleEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    private static func bigEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
