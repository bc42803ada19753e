/// Why bytes from outside could not be read as the media format they claim to be.
public enum MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The data ends before the structure does.
    case truncated(String)
    /// A value that the format does not allow.
    case invalid(String)
    /// Nesting deeper than any real stream uses.
    case tooDeep

    public var description: String {
        switch self {
        case .truncated(let what): return "truncated \(what)"
        case .invalid(let what): return "invalid \(what)"
        case .tooDeep: return "structure nested too deeply"
        }
    }
}
