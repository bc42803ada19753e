import MistData

/// Parses a command line MistServer's way (getopt_long style): `-p 8080`, `-p8080`, `--port 8080`,
/// `--port=8080`, bundled flags like `-jh`, `--` to end options, then positional arguments.
///
/// Every binary accepts the common flags besides its declared options: `-j`/`--json`,
/// `-h`/`--help`, `-v`/`-V`/`--version` and `-g`/`--debug LEVEL`.
public struct CommandLineParser: Sendable {
    public let capabilities: Capabilities
    private let options: [CapabilityOption]

    public init(_ capabilities: Capabilities) {
        self.capabilities = capabilities
        var options = capabilities.allOptions.filter { $0.long != nil || $0.short != nil }
        // The debug option is declared by every binary; make sure it also answers to -g.
        options.removeAll { $0.key == "debug" }
        options.append(contentsOf: CommandLineParser.commonOptions)
        self.options = options
    }

    /// The flags every binary accepts.
    public static let commonOptions: [CapabilityOption] = [
        CapabilityOption(
            "json", name: "JSON", help: "Print this binary's capabilities as JSON, then exit", type: nil,
            long: "json", short: "j"),
        CapabilityOption(
            "help", name: "Help", help: "Print usage information, then exit", type: nil, long: "help", short: "h"),
        CapabilityOption(
            "version", name: "Version", help: "Print the version, then exit", type: nil, long: "version", short: "V"),
        CapabilityOption(
            "debug", name: "Debug level", help: "Log level: messages at or below this level are written (0-10)",
            type: .debug, long: "debug", short: "g"),
    ]

    private func option(long: Substring) -> CapabilityOption? {
        options.first { $0.long.map { $0[...] == long } ?? false }
    }

    private func option(short: Character) -> CapabilityOption? {
        if short == "v", !options.contains(where: { $0.short == "v" }) {
            return option(long: "version")  // MistServer's own spelling of the version flag
        }
        return options.first { $0.short == short }
    }

    /// Parses `arguments` (without the program name).
    public func parse(_ arguments: [String]) throws(CommandLineError) -> ParsedOptions {
        var values: [String: [String]] = [:]
        var positional: [String] = []
        var index = 0
        func store(_ option: CapabilityOption, _ value: String?, spelled: String) throws(CommandLineError) {
            guard option.takesValue else {
                if value != nil { throw .unexpectedValue(spelled) }
                values[option.key, default: []].append("1")
                return
            }
            guard let value else { throw .missingValue(spelled) }
            try validate(option, value, spelled: spelled)
            values[option.key, default: []].append(value)
        }
        func nextValue() -> String? {
            guard index < arguments.count else { return nil }
            defer { index += 1 }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                positional.append(contentsOf: arguments[index...])
                break
            }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name = body.prefix { $0 != "=" }
                guard let option = option(long: name) else { throw .unknownOption("--" + name) }
                if name.endIndex < body.endIndex {
                    try store(option, String(body[body.index(after: name.endIndex)...]), spelled: "--" + name)
                } else {
                    try store(option, option.takesValue ? nextValue() : nil, spelled: "--" + name)
                }
                continue
            }
            if argument.hasPrefix("-") && argument.count > 1 {
                var letters = argument.dropFirst()
                while let letter = letters.first {
                    letters = letters.dropFirst()
                    guard let option = option(short: letter) else { throw .unknownOption("-" + String(letter)) }
                    if option.takesValue {
                        let value = letters.isEmpty ? nextValue() : String(letters)
                        try store(option, value, spelled: "-" + String(letter))
                        break
                    }
                    try store(option, nil, spelled: "-" + String(letter))
                }
                continue
            }
            positional.append(argument)
        }

        var defaults: [String: JSONValue] = [:]
        for option in capabilities.allOptions {
            if let value = option.defaultValue { defaults[option.key] = value }
        }
        defaults["debug"] = .int(Int64(MistLogLevel.defaultLevel.rawValue))
        for (position, argument) in capabilities.positional.enumerated() {
            if position < positional.count {
                values[argument.key] = [positional[position]]
            } else if let fallback = argument.defaultValue {
                defaults[argument.key] = .string(fallback)
            } else if values["help"] == nil && values["json"] == nil && values["version"] == nil {
                throw .missingRequired(argument.key)
            }
        }
        if positional.count > capabilities.positional.count {
            throw .tooManyArguments(positional[capabilities.positional.count])
        }
        let informational = values["help"] != nil || values["json"] != nil || values["version"] != nil
        if !informational {
            // An option with no flag is set in the configuration a process is given, not here.
            for option in capabilities.required
            where values[option.key] == nil && option.defaultValue == nil && (option.long != nil || option.short != nil)
            {
                throw .missingRequired(option.long.map { "--" + $0 } ?? option.key)
            }
        }
        return ParsedOptions(values: values, defaults: defaults)
    }

    private func validate(_ option: CapabilityOption, _ value: String, spelled: String) throws(CommandLineError) {
        guard let type = option.type else { return }
        if type.isNumeric {
            guard let number = Int64(value) else { throw .invalidInteger(option: spelled, value: value) }
            if type != .integer && number < 0 { throw .invalidInteger(option: spelled, value: value) }
        }
        if type == .select && !option.choices.isEmpty {
            guard option.choices.contains(where: { $0.value.asString == value }) else {
                throw .invalidChoice(option: spelled, value: value)
            }
        }
    }

    /// Usage text for `--help`, generated from the declaration.
    public func usage() -> String {
        var text = "Usage: \(capabilities.binary) [options]"
        for argument in capabilities.positional {
            text += argument.defaultValue == nil ? " <\(argument.key)>" : " [\(argument.key)]"
        }
        text += "\n\n\(capabilities.description)\n\nOptions:\n"
        let visible =
            (capabilities.required + capabilities.optional + capabilities.internalOptions
            + capabilities.hiddenOptions).filter { ($0.long != nil || $0.short != nil) && $0.key != "debug" }
        for option in visible + CommandLineParser.commonOptions {
            var flags: [String] = []
            if let long = option.long { flags.append("--" + long) }
            if let short = option.short { flags.append("-" + String(short)) }
            var line = "  " + flags.joined(separator: ", ")
            if let type = option.type { line += " <\(type.isNumeric ? "integer" : "string")>" }
            line += "  " + option.help
            if let fallback = option.defaultValue, !fallback.asString.isEmpty {
                line += " (default: \(fallback.asString))"
            }
            text += line + "\n"
        }
        for argument in capabilities.positional {
            text += "  <\(argument.key)>  \(argument.help)"
            if let fallback = argument.defaultValue { text += " (default: \(fallback))" }
            text += "\n"
        }
        return text
    }
}
