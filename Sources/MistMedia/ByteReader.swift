/// Reads big-endian fields from bytes received from outside, throwing instead of trapping when
/// they run out.
public struct ByteReader {
    public let bytes: [UInt8]
    public private(set) var position: Int
    let what: String

    public init(_ bytes: [UInt8], position: Int = 0, what: String = "data") {
        self.bytes = bytes
        self.position = position
        self.what = what
    }

    public var remaining: Int { bytes.count - position }
    public var isAtEnd: Bool { position >= bytes.count }

    public mutating func uint8() throws(MediaError) -> UInt8 {
        guard position < bytes.count else { throw .truncated(what) }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func uint(_ width: Int) throws(MediaError) -> UInt64 {
        guard width >= 0, width <= 8, remaining >= width else { throw .truncated(what) }
        var value: UInt64 = 0
        for index in position..<(position + width) { value = value << 8 | UInt64(bytes[index]) }
        position += width
        return value
    }

    public mutating func uint16() throws(MediaError) -> UInt16 { UInt16(try uint(2)) }
    public mutating func uint24() throws(MediaError) -> UInt32 { UInt32(try uint(3)) }
    public mutating func uint32() throws(MediaError) -> UInt32 { UInt32(try uint(4)) }

    public mutating func take(_ count: Int) throws(MediaError) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else { throw .truncated(what) }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    public mutating func skip(_ count: Int) throws(MediaError) {
        guard count >= 0, remaining >= count else { throw .truncated(what) }
        position += count
    }

    public mutating func rest() -> ArraySlice<UInt8> {
        defer { position = bytes.count }
        return bytes[min(position, bytes.count)...]
    }
}
