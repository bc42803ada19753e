/// What a caller's SRT stream id asks for: a plain stream name (MistServer's form), or the SRT
/// access control form `#!::r=<stream>,m=publish` (keys `r` resource, `m` mode `request` or
/// `publish`, `u` user; others kept).
public struct SRTStreamID: Sendable, Equatable {
    public enum Mode: String, Sendable {
        case request
        case publish
    }

    /// The stream the caller names (empty when none).
    public var resource: String
    /// What it wants to do, when it says.
    public var mode: Mode?
    /// Every key of the access control form.
    public var keys: [String: String]

    /// Reads `text` (at most 512 bytes, as libsrt allows). Some callers (ffmpeg 5) send the
    /// form's `#` still percent-encoded as they found it in their URL: `%23!::` is read as `#!::`.
    public init(_ given: String) {
        let text = given.hasPrefix("%23!::") ? "#" + given.dropFirst(3) : given
        keys = [:]
        mode = nil
        guard text.hasPrefix("#!::") else {
            resource = text
            return
        }
        for pair in text.dropFirst(4).split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard let name = parts.first else { continue }
            keys[String(name)] = parts.count > 1 ? String(parts[1]) : ""
        }
        resource = keys["r"] ?? ""
        mode = keys["m"].flatMap(Mode.init(rawValue:))
    }
}
