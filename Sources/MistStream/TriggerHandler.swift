import MistData

/// One handler of a trigger as `config.triggers` stores it, in either of MistServer's forms:
/// `{"handler", "sync", "streams", "params", "default"}` or the legacy `[handler, sync, streams]`.
public struct TriggerHandler: Sendable, Equatable {
    /// An `http://`/`https://` URL, or an executable's path.
    public var handler: String
    /// Blocking: the firing process waits for the answer (MistServer's code reads the legacy
    /// form's second element this way, against its docs).
    public var sync: Bool
    /// Stream filter: names, base names, `#tags`, `!` to negate; empty for all streams.
    public var streams: [String]
    /// The trigger's argument (LIVE_BANDWIDTH's threshold).
    public var params: String
    /// The answer used when a blocking handler fails, and the value of non-blocking ones.
    public var defaultResponse: String

    public init(
        handler: String, sync: Bool, streams: [String] = [], params: String = "", defaultResponse: String = "true"
    ) {
        self.handler = handler
        self.sync = sync
        self.streams = streams
        self.params = params
        self.defaultResponse = defaultResponse
    }

    /// One entry of a `config.triggers.<NAME>` list; nil for entries of neither form.
    public init?(_ entry: JSONValue) {
        if entry.isArray {
            guard let handler = entry[0].stringValue else { return nil }
            self.init(
                handler: handler, sync: entry[1].asBool, streams: (entry[2].arrayValue ?? []).compactMap(\.stringValue))
            return
        }
        guard entry.isObject, let handler = entry["handler"].stringValue else { return nil }
        let fallback = entry["default"].stringValue ?? ""
        self.init(
            handler: handler, sync: entry["sync"].asBool,
            streams: (entry["streams"].arrayValue ?? []).compactMap(\.stringValue),
            params: entry["params"].stringValue ?? "", defaultResponse: fallback.isEmpty ? "true" : fallback)
    }

    /// Whether this handler is for `stream` (with its `tags`), by MistServer's rules: entries in
    /// order, a later match overriding an earlier one; all-negative lists mean "all except".
    /// Triggers that are not stream-specific pass an empty name and always apply.
    public func applies(to stream: String, tags: Set<String> = []) -> Bool {
        guard !stream.isEmpty, !streams.isEmpty else { return true }
        let base = String(stream.prefix { $0 != "+" && $0 != " " })
        var decision: Bool?
        var allNegative = true
        for entry in streams {
            let negated = entry.hasPrefix("!")
            let name = negated ? String(entry.dropFirst()) : entry
            if !negated { allNegative = false }
            let matches =
                name.hasPrefix("#") ? tags.contains(String(name.dropFirst())) : (name == stream || name == base)
            if matches { decision = !negated }
        }
        return decision ?? allNegative
    }

    /// MistServer's truthiness of an answer: after whitespace is removed and it is lower-cased,
    /// it starts with `1`, `yes`, `true` or `cont`.
    public static func isPositive(_ answer: String) -> Bool {
        let text = answer.filter { !$0.isWhitespace }.lowercased()
        return ["1", "yes", "true", "cont"].contains { text.hasPrefix($0) }
    }
}
