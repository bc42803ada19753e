import MistData

/// One option of a binary, declared once: it drives the command line parser, `-j`, `--help`
/// and the man pages. Serializes to MistServer's capability option shape.
public struct CapabilityOption: Sendable {
    /// The key in the capabilities JSON (`"port"`), also the name the parsed value is read by.
    public var key: String
    /// Human-readable name (`"name"`).
    public var name: String
    public var help: String
    /// Value type; nil for a flag that takes no value.
    public var type: OptionType?
    /// The long command line form, without dashes (`"port"` for `--port`). Nil for options that
    /// exist only in the configuration, not on the command line.
    public var long: String?
    /// The short command line letter (`"p"` for `-p`).
    public var short: Character?
    public var defaultValue: JSONValue?
    /// Allowed values and their descriptions, for `.select`.
    public var choices: [(value: JSONValue, label: String)]
    /// Unit shown next to the value (`"s"`, `"ms"`).
    public var unit: String?
    /// Sort key MistServer's interface orders options by.
    public var sort: String?
    /// Any further members, passed through to the JSON as they are (`"input"`, `"validate"` ...).
    public var extra: JSONObject

    public init(
        _ key: String, name: String, help: String, type: OptionType? = .string, long: String? = nil,
        short: Character? = nil, default defaultValue: JSONValue? = nil,
        choices: [(value: JSONValue, label: String)] = [], unit: String? = nil, sort: String? = nil,
        extra: JSONObject = [:]
    ) {
        self.key = key
        self.name = name
        self.help = help
        self.type = type
        self.long = long
        self.short = short
        self.defaultValue = defaultValue
        self.choices = choices
        self.unit = unit
        self.sort = sort
        self.extra = extra
    }

    /// Whether the option takes a value on the command line.
    public var takesValue: Bool { type != nil && type != .bool }

    /// The option in MistServer's capability JSON shape.
    public var json: JSONValue {
        var out = JSONValue.emptyObject
        out["name"] = .string(name)
        out["help"] = .string(help)
        if let type { out["type"] = .string(type.rawValue) }
        if let long { out["option"] = .string("--" + long) }
        if let short { out["short"] = .string(String(short)) }
        if let defaultValue { out["default"] = defaultValue }
        if !choices.isEmpty {
            out["select"] = .array(choices.map { .array([$0.value, .string($0.label)]) })
        }
        if let unit { out["unit"] = .string(unit) }
        if let sort { out["sort"] = .string(sort) }
        for (key, value) in extra { out[key] = value }
        return out
    }
}

extension CapabilityOption {
    /// `--port`/`-p`, as every listening output declares it.
    public static func port(_ defaultPort: Int64) -> CapabilityOption {
        CapabilityOption(
            "port", name: "TCP port", help: "TCP port to accept connections on", type: .unsignedInteger,
            long: "port", short: "p", default: .int(defaultPort))
    }

    /// `--interface`/`-i`.
    public static let interface = CapabilityOption(
        "interface", name: "Interface", help: "Address of the interface to listen on (0.0.0.0 for all)",
        type: .string, long: "interface", short: "i", default: "0.0.0.0")

    /// `--username`/`-u`: the account to switch to after binding.
    public static let username = CapabilityOption(
        "username", name: "Username",
        help: "System user to switch to after opening the listening socket; root means do not switch",
        type: .string, long: "username", short: "u", default: "root")

    /// `--debug`/`-g`, listed in every binary's optional options.
    public static let debug = CapabilityOption(
        "debug", name: "debug", help: "Log level: messages at or below this level are written (0-10)",
        type: .debug, long: "debug")

    /// `--stream`/`-s`: the stream a process serves.
    public static let stream = CapabilityOption(
        "streamname", name: "Stream", help: "The stream this process serves", type: .string, long: "stream",
        short: "s")
}
