import MistCore

/// How RTMP publish and play names become stream names, as MistServer reads them.
enum RTMPStreamName {
    /// `publish` names: URL-decoded, parameters after `?` cut off, and anything after a `/`.
    static func publish(_ raw: String) -> (name: String, parameters: [(name: String, value: String)]) {
        let (base, parameters) = split(raw)
        return (StreamName.sanitize(String(base.prefix { $0 != "/" })), parameters)
    }

    /// `play` names: URL-decoded, parameters cut off, and the `mp4:name` form (a type prefix of
    /// at most five characters) turned into `name.mp4` unless the name already ends so.
    static func play(_ raw: String) -> (name: String, parameters: [(name: String, value: String)]) {
        var (base, parameters) = split(raw)
        if let colon = base.firstIndex(of: ":"), base.distance(from: base.startIndex, to: colon) < 6 {
            let type = String(base[..<colon])
            let rest = String(base[base.index(after: colon)...])
            base = rest.hasSuffix("." + type) ? rest : rest + "." + type
        }
        return (StreamName.sanitize(base), parameters)
    }

    private static func split(_ raw: String) -> (String, [(name: String, value: String)]) {
        let decoded = URLQuery.decode(Array(raw.utf8))
        guard let question = decoded.firstIndex(of: "?") else { return (decoded, []) }
        let parameters = URLQuery.parse(Array(decoded[decoded.index(after: question)...].utf8))
        return (String(decoded[..<question]), parameters)
    }
}
