/// Why a DTSC source cannot be played.
public enum DTSCInputError: Error, CustomStringConvertible {
    case noHeader(String)
    case badURL(String)
    case refused(String)

    public var description: String {
        switch self {
        case .noHeader(let path): return "\(path) does not start with a DTSC header"
        case .badURL(let url): return "not a dtsc:// URL: \(url)"
        case .refused(let message): return "the DTSC server refused: \(message)"
        }
    }
}
