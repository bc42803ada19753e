/// Why a media file cannot be played.
public enum MediaFileInputError: Error, CustomStringConvertible {
    case noTracks(String)
    case outside(Int)
    /// The file differs from its header cache.
    case changed(String, String)

    public var description: String {
        switch self {
        case .noTracks(let path): return "\(path) has no audio or video track this server can play"
        case .outside(let position): return "a frame at byte \(position) lies outside the file"
        case .changed(let path, let difference): return "\(path) no longer matches its header cache: \(difference)"
        }
    }
}
