/// The value types MistServer's capability options declare (`"type"` in `-j` output).
public enum OptionType: String, Sendable {
    case string = "str"
    case unsignedInteger = "uint"
    case integer = "int"
    case debug
    case select
    case inputList = "inputlist"
    case json
    case bool = "boolean"
    /// A list of objects, each with options of its own (Livepeer's `target_profiles`).
    case sublist

    /// Whether the command line value must parse as an integer.
    public var isNumeric: Bool {
        self == .unsignedInteger || self == .integer || self == .debug
    }
}
