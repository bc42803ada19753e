/// The H.264 decoder configuration record (`avcC`): the init data of an H.264 track, as FLV and
/// MP4 carry it.
public struct AVCDecoderConfiguration: Sendable, Equatable {
    public var profile: UInt8
    public var compatibility: UInt8
    public var level: UInt8
    /// Bytes of each NAL unit's length prefix in samples (1, 2 or 4).
    public var lengthSize: Int
    public var sequenceParameterSets: [[UInt8]]
    public var pictureParameterSets: [[UInt8]]

    public init(bytes: [UInt8]) throws(MediaError) {
        var reader = ByteReader(bytes, what: "AVC decoder configuration")
        guard try reader.uint8() == 1 else { throw .invalid("AVC decoder configuration version") }
        profile = try reader.uint8()
        compatibility = try reader.uint8()
        level = try reader.uint8()
        lengthSize = Int(try reader.uint8() & 3) + 1
        guard lengthSize != 3 else { throw .invalid("AVC NAL length size 3") }
        var sets: [[UInt8]] = []
        for _ in 0..<Int(try reader.uint8() & 0x1F) { sets.append(Array(try reader.take(Int(try reader.uint16())))) }
        sequenceParameterSets = sets
        sets = []
        for _ in 0..<Int(try reader.uint8()) { sets.append(Array(try reader.take(Int(try reader.uint16())))) }
        pictureParameterSets = sets
    }

    /// The first SPS, parsed.
    public func sps() throws(MediaError) -> H264SPS {
        guard let first = sequenceParameterSets.first else { throw .invalid("AVC configuration without an SPS") }
        return try H264SPS(nalUnit: first[...])
    }
}
