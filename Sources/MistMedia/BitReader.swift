/// Reads bit fields and Exp-Golomb codes from an H.264/HEVC parameter set (after emulation
/// prevention bytes are removed), throwing when the bits run out.
public struct BitReader {
    let bytes: [UInt8]
    public private(set) var bitPosition = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A NAL unit's payload without its emulation prevention bytes.
    public init(nalUnit: ArraySlice<UInt8>) {
        self.init(BitReader.removingEmulationPrevention(nalUnit))
    }

    /// The bytes of a NAL unit without its emulation prevention bytes (`00 00 03` → `00 00`).
    public static func removingEmulationPrevention<Bytes: Collection>(_ unit: Bytes) -> [UInt8]
    where Bytes.Element == UInt8 {
        var cleaned: [UInt8] = []
        cleaned.reserveCapacity(unit.count)
        var zeros = 0
        for byte in unit {
            if zeros >= 2 && byte == 3 {
                zeros = 0
                continue
            }
            zeros = byte == 0 ? zeros + 1 : 0
            cleaned.append(byte)
        }
        return cleaned
    }

    public mutating func bit() throws(MediaError) -> UInt32 {
        let index = bitPosition >> 3
        guard index < bytes.count else { throw .truncated("parameter set") }
        defer { bitPosition += 1 }
        return UInt32(bytes[index] >> (7 - UInt8(bitPosition & 7)) & 1)
    }

    public mutating func bits(_ count: Int) throws(MediaError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count { value = value << 1 | (try bit()) }
        return value
    }

    public mutating func skip(_ count: Int) throws(MediaError) {
        guard count >= 0, bitPosition + count <= bytes.count * 8 else { throw .truncated("parameter set") }
        bitPosition += count
    }

    /// Unsigned Exp-Golomb.
    public mutating func ue() throws(MediaError) -> UInt32 {
        var zeros = 0
        while try bit() == 0 {
            zeros += 1
            guard zeros < 32 else { throw .invalid("Exp-Golomb code") }
        }
        return (UInt32(1) << zeros) - 1 + (try bits(zeros))
    }

    /// Signed Exp-Golomb.
    public mutating func se() throws(MediaError) -> Int32 {
        let code = try ue()
        let magnitude = Int32(truncatingIfNeeded: (code + 1) >> 1)
        return code & 1 == 1 ? magnitude : -magnitude
    }
}
