/// One FLV tag: audio (8), video (9) or script data (18), with its timestamp in milliseconds.
/// RTMP carries the same bodies as messages of those types.
public struct FLVTag: Sendable, Equatable {
    public static let audio: UInt8 = 8
    public static let video: UInt8 = 9
    public static let script: UInt8 = 18

    public var type: UInt8
    public var timestamp: UInt32
    public var data: [UInt8]

    public init(type: UInt8, timestamp: UInt32, data: [UInt8]) {
        self.type = type
        self.timestamp = timestamp
        self.data = data
    }

    /// The 9-byte FLV file header plus the first (zero) previous-tag-size.
    public static func fileHeader(audio: Bool, video: Bool) -> [UInt8] {
        [0x46, 0x4C, 0x56, 1, (audio ? 4 : 0) | (video ? 1 : 0), 0, 0, 0, 9, 0, 0, 0, 0]
    }

    /// The 11-byte tag header for a body of `length` bytes.
    /// Appends one whole tag (header, `prefix` then `body` as its data, previous-tag size) to
    /// `out`, without building the tag first.
    public static func append(
        type: UInt8, timestamp: UInt32, prefix: [UInt8], body: UnsafeRawBufferPointer, into out: inout [UInt8]
    ) {
        out += header(type: type, timestamp: timestamp, length: prefix.count + body.count)
        out += prefix
        out.append(contentsOf: body)
        let size = UInt32(truncatingIfNeeded: 11 + prefix.count + body.count)
        out += [
            UInt8(size >> 24), UInt8(truncatingIfNeeded: size >> 16), UInt8(truncatingIfNeeded: size >> 8),
            UInt8(truncatingIfNeeded: size),
        ]
    }

    public static func header(type: UInt8, timestamp: UInt32, length: Int) -> [UInt8] {
        let size = UInt32(truncatingIfNeeded: length)
        return [
            type, UInt8(truncatingIfNeeded: size >> 16), UInt8(truncatingIfNeeded: size >> 8),
            UInt8(truncatingIfNeeded: size), UInt8(truncatingIfNeeded: timestamp >> 16),
            UInt8(truncatingIfNeeded: timestamp >> 8), UInt8(truncatingIfNeeded: timestamp),
            UInt8(truncatingIfNeeded: timestamp >> 24), 0, 0, 0,
        ]
    }

    /// The tag as stored in a file: header, body, previous-tag-size.
    public var fileBytes: [UInt8] {
        var out = FLVTag.header(type: type, timestamp: timestamp, length: data.count) + data
        AMF0.appendBE(UInt32(truncatingIfNeeded: data.count + 11), to: &out)
        return out
    }

    /// Reads one tag (with its previous-tag-size) from a file's bytes.
    public static func read(_ reader: inout ByteReader) throws(MediaError) -> FLVTag {
        let type = try reader.uint8() & 0x1F
        let length = Int(try reader.uint24())
        let low = try reader.uint24()
        let high = try reader.uint8()
        try reader.skip(3)
        let data = Array(try reader.take(length))
        try reader.skip(4)
        return FLVTag(type: type, timestamp: UInt32(high) << 24 | low, data: data)
    }
}
