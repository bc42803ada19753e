/// Big-endian integer access on raw bytes, the byte order of every DTSC field.
///
/// Readers return nil instead of trapping when the bytes run out, so parsers turn a short read into
/// a typed error.
public enum BigEndian {
    @inlinable
    public static func uint(_ bytes: UnsafeRawBufferPointer, at offset: Int, width: Int) -> UInt64? {
        guard offset >= 0, width <= 8, offset <= bytes.count - width else { return nil }
        var value: UInt64 = 0
        for index in offset..<(offset + width) {
            value = value << 8 | UInt64(bytes[index])
        }
        return value
    }

    @inlinable
    public static func uint16(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16? {
        uint(bytes, at: offset, width: 2).map { UInt16(truncatingIfNeeded: $0) }
    }

    @inlinable
    public static func uint24(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32? {
        uint(bytes, at: offset, width: 3).map { UInt32(truncatingIfNeeded: $0) }
    }

    @inlinable
    public static func uint32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32? {
        uint(bytes, at: offset, width: 4).map { UInt32(truncatingIfNeeded: $0) }
    }

    @inlinable
    public static func uint64(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64? {
        uint(bytes, at: offset, width: 8)
    }

    @inlinable
    public static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        var bigEndian = value.bigEndian
        withUnsafeBytes(of: &bigEndian) { out.append(contentsOf: $0) }
    }

    /// Appends the low `width` bytes of `value`, most significant first (24-bit DTSH fields).
    @inlinable
    public static func append(_ value: UInt64, width: Int, to out: inout [UInt8]) {
        for shift in stride(from: (width - 1) * 8, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}
