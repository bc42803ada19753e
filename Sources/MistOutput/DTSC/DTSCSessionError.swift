/// A DTSC peer did something the session cannot go on from.
public enum DTSCSessionError: Error, CustomStringConvertible {
    case unexpected(String)

    public var description: String {
        switch self {
        case .unexpected(let what): return what
        }
    }
}
