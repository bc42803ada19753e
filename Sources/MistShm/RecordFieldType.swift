/// The field types of MistServer's record tables (RelAccX), as stored in their field lists.
public enum RecordFieldType: Sendable, Equatable {
    /// A nested record table (0x01).
    case nested
    /// Unsigned integer of 1-8 bytes (0x10 + size - 1).
    case unsigned
    /// Signed integer of 1-8 bytes (0x20 + size - 1).
    case signed
    /// Zero-terminated string (0x3X).
    case string
    /// Raw bytes (0x4X).
    case raw
    /// A DTSC value (0x50).
    case dtsc

    init?(code: UInt8) {
        switch code & 0xF0 {
        case 0x00 where code == 0x01: self = .nested
        case 0x10: self = .unsigned
        case 0x20: self = .signed
        case 0x30: self = .string
        case 0x40: self = .raw
        case 0x50: self = .dtsc
        default: return nil
        }
    }

    /// The type code written for a field of `size` bytes, and whether that size is the code's own
    /// default (so the field list need not store it).
    func code(size: UInt32) -> (code: UInt8, sizeIsDefault: Bool) {
        switch self {
        case .nested: return (0x01, false)
        case .dtsc: return (0x50, false)
        case .unsigned, .signed:
            let base: UInt8 = self == .unsigned ? 0x10 : 0x20
            if size >= 1 && size <= 16 { return (base | UInt8(size - 1), true) }
            return (base, false)
        case .string, .raw:
            let base: UInt8 = self == .string ? 0x30 : 0x40
            for shift in 0..<16 where UInt32(16) << shift == size { return (base | UInt8(shift), true) }
            return (base, false)
        }
    }

    /// The size a type code implies when the field list stores none.
    static func defaultSize(code: UInt8) -> UInt32? {
        switch code & 0xF0 {
        case 0x10, 0x20: return UInt32(code & 0x0F) + 1
        case 0x30, 0x40: return UInt32(16) << UInt32(code & 0x0F)
        default: return nil
        }
    }
}
