/// Why a playlist cannot be played.
enum PlaylistInputError: Error, CustomStringConvertible {
    case empty(String)

    var description: String {
        switch self {
        case .empty(let source): return "no entries in playlist \(source)"
        }
    }
}
