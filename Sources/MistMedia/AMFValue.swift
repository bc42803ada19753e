/// A value of Adobe's Action Message Format as RTMP commands and FLV metadata carry it. AMF3
/// values met inside AMF0 are mapped onto the closest AMF0 kind.
public enum AMFValue: Sendable, Equatable {
    case number(Double)
    case bool(Bool)
    case string(String)
    /// An anonymous object; members keep their order.
    case object([(String, AMFValue)])
    case null
    case undefined
    /// An associative ("ECMA") array, as `onMetaData` uses.
    case ecmaArray([(String, AMFValue)])
    case strictArray([AMFValue])
    /// Milliseconds since 1970 and a time zone offset in minutes.
    case date(Double, Int16)

    public static func == (lhs: AMFValue, rhs: AMFValue) -> Bool {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.null, .null), (.undefined, .undefined): return true
        case (.object(let a), .object(let b)), (.ecmaArray(let a), .ecmaArray(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.strictArray(let a), .strictArray(let b)): return a == b
        case (.date(let a, let x), .date(let b, let y)): return a == b && x == y
        default: return false
        }
    }

    /// A member of an object or ECMA array.
    public subscript(key: String) -> AMFValue? {
        switch self {
        case .object(let members), .ecmaArray(let members): return members.first { $0.0 == key }?.1
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var numberValue: Double? {
        switch self {
        case .number(let value): return value
        case .bool(let value): return value ? 1 : 0
        default: return nil
        }
    }
}
