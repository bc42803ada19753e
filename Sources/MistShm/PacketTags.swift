/// The fixed byte runs of a DTP2 media packet, built once rather than per packet.
enum PacketTags {
    static let magic: [UInt8] = Array("DTP2".utf8)
    static let objectStart: [UInt8] = [0xE0]
    static let offset: [UInt8] = [0, 6] + Array("offset".utf8) + [0x01]
    static let bytePosition: [UInt8] = [0, 4] + Array("bpos".utf8) + [0x01]
    static let keyframe: [UInt8] = [0, 8] + Array("keyframe".utf8) + [0x01]
    static let data: [UInt8] = [0, 4] + Array("data".utf8) + [0x02]
    static let objectEnd: [UInt8] = [0, 0, 0xEE]
}
