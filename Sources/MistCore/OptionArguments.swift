import MistData

/// Turns a configuration entry (a protocol or a stream) into command-line options for the
/// binary whose capabilities declare them, as MistServer's controller and stream starter do.
public enum OptionArguments {
    /// For every `required` and `optional` option of `capabilities` that has an `option` flag and
    /// a value in `configuration` (or in `overrides`): options without a `type` are flags, given
    /// when the value is true-like; `inputlist` arrays repeat the flag per element; `uint`, `int`
    /// and `debug` values are given as integers; anything else as its string form.
    public static func arguments(
        for configuration: JSONValue, capabilities: JSONValue, overrides: [String: String] = [:]
    ) -> [String] {
        var arguments: [String] = []
        for group in ["required", "optional"] {
            guard case .object(let options) = capabilities[group] else { continue }
            for (key, option) in options {
                guard let flag = option["option"].stringValue else { continue }
                let value: JSONValue
                if let override = overrides[key] {
                    value = .string(override)
                } else if configuration.hasMember(key) {
                    value = configuration[key]
                } else {
                    continue
                }
                guard let type = option["type"].stringValue else {
                    if value.asBool { arguments.append(flag) }
                    continue
                }
                if type == "inputlist", case .array(let elements) = value {
                    for element in elements { arguments += [flag, element.asString] }
                    continue
                }
                if type == "uint" || type == "int" || type == "debug" {
                    arguments += [flag, String(value.asInt)]
                } else {
                    arguments += [flag, value.asString]
                }
            }
        }
        return arguments
    }
}
