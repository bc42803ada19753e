import MistData

/// The values of a parsed command line, read by option key, with declared defaults filled in.
public struct ParsedOptions: Sendable {
    /// Every value given for each key, in command line order (options may repeat).
    public private(set) var values: [String: [String]]
    private let defaults: [String: JSONValue]

    init(values: [String: [String]], defaults: [String: JSONValue]) {
        self.values = values
        self.defaults = defaults
    }

    /// Whether the option was given on the command line.
    public func isSet(_ key: String) -> Bool { values[key] != nil }

    /// The last value given, or the default as text; nil if neither exists.
    public func string(_ key: String) -> String? {
        if let given = values[key]?.last { return given }
        guard let fallback = defaults[key], !fallback.isNull else { return nil }
        return fallback.asString
    }

    /// The last value given as an integer (values were checked while parsing), or the default.
    public func integer(_ key: String) -> Int64? {
        if let given = values[key]?.last { return Int64(given) }
        return defaults[key]?.intValue
    }

    /// Whether a flag was given (or an option holds a true-ish value).
    public func flag(_ key: String) -> Bool {
        guard let given = values[key]?.last else { return defaults[key]?.asBool ?? false }
        return given != "0" && given != "false"
    }

    /// Every value given for a repeatable option.
    public func all(_ key: String) -> [String] { values[key] ?? [] }
}
