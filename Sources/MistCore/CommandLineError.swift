/// Why a command line was rejected; the text is shown to the user above the usage.
public enum CommandLineError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownOption(String)
    case missingValue(String)
    case unexpectedValue(String)
    case invalidInteger(option: String, value: String)
    case invalidChoice(option: String, value: String)
    case missingRequired(String)
    case tooManyArguments(String)

    public var description: String {
        switch self {
        case .unknownOption(let option): return "unknown option '\(option)'"
        case .missingValue(let option): return "option '\(option)' needs a value"
        case .unexpectedValue(let option): return "option '\(option)' takes no value"
        case .invalidInteger(let option, let value): return "option '\(option)' needs an integer, not '\(value)'"
        case .invalidChoice(let option, let value): return "option '\(option)' does not accept '\(value)'"
        case .missingRequired(let what): return "missing required '\(what)'"
        case .tooManyArguments(let argument): return "unexpected argument '\(argument)'"
        }
    }
}
