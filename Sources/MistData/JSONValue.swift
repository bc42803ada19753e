/// A JSON value with MistServer's semantics: integers and doubles are distinct kinds, object members
/// keep their insertion order, and strings may carry arbitrary bytes (DTMI strings are binary).
///
/// Reading a member that does not exist yields `.null`, as MistServer's `JSON::Value` does, so
/// deep lookups such as `config["streams"]["live"]["source"]` never trap.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    /// A string whose bytes are valid UTF-8.
    case string(String)
    /// A string whose bytes are not valid UTF-8 (codec init data, media payloads).
    case bytes([UInt8])
    case array([JSONValue])
    case object(JSONObject)

    /// Makes a string value from raw bytes: `.string` when they are valid UTF-8, `.bytes` otherwise.
    /// Either way the bytes are kept exactly, so DTMI round trips are byte-identical.
    public static func string<C: Collection>(bytes: C) -> JSONValue where C.Element == UInt8 {
        var iterator = bytes.makeIterator()
        var codec = UTF8()
        var valid = true
        decodeLoop: while true {
            switch codec.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: break decodeLoop
            case .error:
                valid = false
                break decodeLoop
            }
        }
        if valid {
            return .string(String(decoding: bytes, as: UTF8.self))
        }
        return .bytes(Array(bytes))
    }

    /// An empty object.
    public static var emptyObject: JSONValue { .object(JSONObject()) }
}

extension JSONValue {
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }
    public var isArray: Bool {
        if case .array = self { return true }
        return false
    }
    public var isString: Bool {
        switch self {
        case .string, .bytes: return true
        default: return false
        }
    }
    public var isInt: Bool {
        if case .int = self { return true }
        return false
    }
    public var isDouble: Bool {
        if case .double = self { return true }
        return false
    }

    /// The value as an integer if it is one (a bool counts as 0 or 1).
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .bool(let value): return value ? 1 : 0
        default: return nil
        }
    }

    /// The value as a double if it is a number.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    /// The value as text if it is a string holding valid UTF-8.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value's bytes if it is a string of either kind.
    public var bytesValue: [UInt8]? {
        switch self {
        case .string(let value): return Array(value.utf8)
        case .bytes(let value): return value
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Lenient integer conversion as MistServer's `asInt`: numbers, bools and numeric strings
    /// convert; anything else is 0. Doubles outside the Int64 range clamp instead of trapping.
    public var asInt: Int64 {
        switch self {
        case .int(let value): return value
        case .bool(let value): return value ? 1 : 0
        case .double(let value):
            if value.isNaN { return 0 }
            if value >= 9.223_372_036_854_775_807e18 { return .max }
            if value <= -9.223_372_036_854_775_808e18 { return .min }
            return Int64(value)
        case .string(let text): return Int64(text.trimmingLeadingSpaces()) ?? 0
        default: return 0
        }
    }

    /// Lenient text conversion as MistServer's `asString`: numbers print, null is empty.
    public var asString: String {
        switch self {
        case .string(let value): return value
        case .bytes(let value): return String(decoding: value, as: UTF8.self)
        case .int(let value): return String(value)
        case .double, .bool, .array, .object: return JSONWriter.compact(self)
        case .null: return ""
        }
    }

    /// Lenient truth as MistServer's `asBool`: non-zero numbers, non-empty strings and containers.
    public var asBool: Bool {
        switch self {
        case .null: return false
        case .bool(let value): return value
        case .int(let value): return value != 0
        case .double(let value): return value != 0
        case .string(let value): return !value.isEmpty && value != "0" && value != "false"
        case .bytes(let value): return !value.isEmpty
        case .array(let value): return !value.isEmpty
        case .object(let value): return !value.isEmpty
        }
    }

    /// Number of members of an object or elements of an array; 0 otherwise.
    public var count: Int {
        switch self {
        case .array(let value): return value.count
        case .object(let value): return value.count
        default: return 0
        }
    }

    /// Whether this is an object holding `key`.
    public func hasMember(_ key: String) -> Bool {
        if case .object(let object) = self { return object[key] != nil }
        return false
    }

    /// Object member access. Reading a missing member, or reading from a non-object, gives `.null`.
    /// Writing turns a non-object into an empty object first; writing `.null` stores a null member
    /// (use `removeMember` to delete one).
    public subscript(key: String) -> JSONValue {
        get {
            if case .object(let object) = self { return object[key] ?? .null }
            return .null
        }
        set {
            var object: JSONObject
            if case .object(let existing) = self {
                object = existing
            } else {
                object = JSONObject()
            }
            self = .null  // drop our reference so the object is mutated in place
            object[key] = newValue
            self = .object(object)
        }
    }

    /// Array element access. Reading out of range gives `.null`; writing past the end pads with null.
    public subscript(index: Int) -> JSONValue {
        get {
            if case .array(let array) = self, array.indices.contains(index) { return array[index] }
            return .null
        }
        set {
            guard index >= 0 else { return }
            var array: [JSONValue]
            if case .array(let existing) = self {
                array = existing
            } else {
                array = []
            }
            self = .null
            while array.count <= index { array.append(.null) }
            array[index] = newValue
            self = .array(array)
        }
    }

    /// Appends to an array, turning a non-array into an empty array first (as MistServer does).
    public mutating func append(_ element: JSONValue) {
        var array: [JSONValue]
        if case .array(let existing) = self {
            array = existing
        } else {
            array = []
        }
        self = .null
        array.append(element)
        self = .array(array)
    }

    /// Removes an object member; does nothing for other kinds.
    public mutating func removeMember(_ key: String) {
        guard case .object(var object) = self else { return }
        self = .null
        object.removeValue(forKey: key)
        self = .object(object)
    }

    /// A copy whose objects, at every depth, list their members sorted by key: the order
    /// MistServer's map-based JSON prints in.
    public func sortedKeys() -> JSONValue {
        switch self {
        case .object(let object):
            var sorted = JSONObject()
            for key in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                sorted[key] = object[key]?.sortedKeys()
            }
            return .object(sorted)
        case .array(let array):
            return .array(array.map { $0.sortedKeys() })
        default:
            return self
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { JSONWriter.compact(self) }
}

extension String {
    fileprivate func trimmingLeadingSpaces() -> Substring {
        self.drop(while: { $0 == " " || $0 == "\t" })
    }
}
