/// EBML (RFC 8794) elements as Matroska and WebM write them: an ID (its marker bits included),
/// a size as a variable-length integer, then the payload. Integers are big-endian in as few
/// bytes as hold them; floats are 8-byte IEEE 754.
public enum EBMLWriter {
    /// The size value that means "unknown" (eight bytes), for elements written as they grow.
    public static let unknownSize: [UInt8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]

    /// `id` in its own bytes (1 to 4, as the marker of its first byte says).
    public static func id(_ id: UInt32) -> [UInt8] {
        let length = id > 0xFF_FFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1
        return (0..<length).reversed().map { UInt8(truncatingIfNeeded: id >> (8 * UInt32($0))) }
    }

    /// `value` as an EBML variable-length size in the fewest bytes (at most eight; a length whose
    /// bits are all ones is reserved for unknown sizes, so it takes one more byte).
    public static func size(_ value: UInt64) -> [UInt8] {
        var length = 1
        while length < 8 && value >= (UInt64(1) << (7 * UInt64(length))) - 1 { length += 1 }
        let marked = value | (UInt64(1) << (7 * UInt64(length)))
        return (0..<length).reversed().map { UInt8(truncatingIfNeeded: marked >> (8 * UInt64($0))) }
    }

    /// A whole element: ID, size, payload.
    public static func element(_ id: UInt32, _ payload: [UInt8]) -> [UInt8] {
        self.id(id) + size(UInt64(payload.count)) + payload
    }

    /// An unsigned integer element.
    public static func unsigned(_ id: UInt32, _ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        repeat {
            bytes.insert(UInt8(truncatingIfNeeded: rest), at: 0)
            rest >>= 8
        } while rest > 0
        return element(id, bytes)
    }

    /// A float element (8 bytes).
    public static func float(_ id: UInt32, _ value: Double) -> [UInt8] {
        let bits = value.bitPattern
        return element(id, eightBytes(bits))
    }

    /// An unsigned integer element in exactly eight bytes, for a value whose element must keep
    /// its size however large the value turns out (positions in a file laid out in advance).
    public static func unsignedEightBytes(_ id: UInt32, _ value: UInt64) -> [UInt8] {
        element(id, eightBytes(value))
    }

    /// `value` as an eight-byte size (for a size known only once the element's payload is planned).
    public static func eightByteSize(_ value: UInt64) -> [UInt8] { eightBytes(value | 1 << 56) }

    /// `value` big-endian in eight bytes.
    static func eightBytes(_ value: UInt64) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// A string element (UTF-8, no terminator).
    public static func string(_ id: UInt32, _ value: String) -> [UInt8] { element(id, Array(value.utf8)) }
}
