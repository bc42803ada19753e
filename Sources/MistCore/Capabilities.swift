import MistData

/// What a binary is and what it accepts, declared as typed values. The same declaration drives
/// the command line parser, `-j` (MistServer's capability JSON, which the controller merges),
/// `--help` and the man pages.
public struct Capabilities: Sendable {
    /// Short name without the `MistIn`/`MistOut` prefix (`"RTMP"`, `"Buffer"`).
    public var name: String
    /// The binary's file name (`"MistOutRTMP"`).
    public var binary: String
    public var friendlyName: String?
    public var description: String
    /// Options that must be given.
    public var required: [CapabilityOption]
    public var optional: [CapabilityOption]
    /// Options set by other processes of the suite, not by users (MistServer's `"internal"`).
    public var internalOptions: [CapabilityOption]
    /// Options the command line accepts but the capability JSON does not list (as MistServer's
    /// `--stream` of inputs).
    public var hiddenOptions: [CapabilityOption]
    /// Arguments given by position, after the options.
    public var positional: [PositionalArgument]
    /// Further members of the capability JSON (`codecs`, `methods`, `url_rel`, `source_match`,
    /// `priority` ...), in MistServer's shapes.
    public var extra: JSONObject

    public init(
        name: String, binary: String, friendlyName: String? = nil, description: String,
        required: [CapabilityOption] = [], optional: [CapabilityOption] = [],
        internalOptions: [CapabilityOption] = [], hiddenOptions: [CapabilityOption] = [],
        positional: [PositionalArgument] = [], extra: JSONObject = [:]
    ) {
        self.name = name
        self.binary = binary
        self.friendlyName = friendlyName
        self.description = description
        self.required = required
        self.optional = optional
        self.internalOptions = internalOptions
        self.hiddenOptions = hiddenOptions
        self.positional = positional
        self.extra = extra
    }

    /// Every declared option, required first.
    public var allOptions: [CapabilityOption] { required + optional + internalOptions + hiddenOptions }

    /// The capability JSON `-j` prints, members sorted by name as MistServer prints them.
    public func json(version: String) -> JSONValue {
        var out = JSONValue.emptyObject
        out["name"] = .string(name)
        if let friendlyName { out["friendly"] = .string(friendlyName) }
        out["desc"] = .string(description)
        if !required.isEmpty { out["required"] = Capabilities.group(required) }
        out["optional"] = Capabilities.group(optional)
        if !internalOptions.isEmpty { out["internal"] = Capabilities.group(internalOptions) }
        for (key, value) in extra { out[key] = value }
        out["version"] = .string(version)
        return out.sortedKeys()
    }

    private static func group(_ options: [CapabilityOption]) -> JSONValue {
        var group = JSONValue.emptyObject
        for option in options { group[option.key] = option.json }
        return group
    }

    // MARK: Common declarations

    /// A listening output (`MistOut<Proto>`): port, interface, username and debug options.
    public static func output(
        name: String, friendlyName: String, description: String, port: Int64,
        optional: [CapabilityOption] = [], extra: JSONObject = [:]
    ) -> Capabilities {
        Capabilities(
            name: name, binary: "MistOut" + name, friendlyName: friendlyName, description: description,
            optional: [.port(port), .interface, .username, .debug] + optional, extra: extra)
    }

    /// An input (`MistIn<Format>`): the source and stream name positional/flag arguments, the
    /// simulated-live switch and the debug option.
    public static func input(
        name: String, description: String, optional: [CapabilityOption] = [], extra: JSONObject = [:]
    ) -> Capabilities {
        Capabilities(
            name: name, binary: "MistIn" + name, description: description,
            optional: [.debug] + optional,
            internalOptions: [
                CapabilityOption(
                    "realtime", name: "Simulated Live", help: "Feed the media at real-time speed, as a live stream",
                    type: nil, long: "realtime")
            ],
            hiddenOptions: [.stream],
            positional: [
                PositionalArgument("input", help: "Source to read (file, URL, or - for stdin)", default: "-"),
                PositionalArgument("output", help: "Where to write (- for the stream's shared memory)", default: "-"),
            ],
            extra: extra)
    }
}
