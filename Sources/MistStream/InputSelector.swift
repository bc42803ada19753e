import MistData

/// Picks the input binary for a stream source from the inputs' capabilities, by MistServer's
/// rules: a `name:` prefix selects that input outright; otherwise the matching `source_match`
/// pattern (one `*` wildcard) of the highest `priority` wins, the first in name order on a tie.
public enum InputSelector {
    /// The chosen input's capabilities (with its `name`), or nil when nothing matches.
    /// `isProvider` is false for viewers, who may not start `non-provider` inputs.
    public static func input(for source: String, inputs: JSONValue, isProvider: Bool = true) -> JSONValue? {
        let location = String(source.prefix { $0 != "?" })
        var chosen: JSONValue?
        var best: Int64 = -1
        let entries = (inputs.objectValue ?? JSONObject()).sorted { $0.key < $1.key }
        for (key, input) in entries {
            let name = input["name"].stringValue ?? key
            if input.hasMember("non-provider") && !isProvider { continue }
            let prefix = name.lowercased() + ":"
            if location.count > prefix.count && location.prefix(prefix.count).lowercased() == prefix {
                best = 99
                chosen = named(input, name)
                continue
            }
            let priority = input["priority"].asInt
            guard priority > best else { continue }
            let patterns = input["source_match"].arrayValue ?? [input["source_match"]]
            if patterns.contains(where: { $0.isString && matches(location, pattern: $0.asString) }) {
                best = priority
                chosen = named(input, name)
            }
        }
        return chosen
    }

    /// `*` stands for any text (once); without it the source must equal the pattern.
    public static func matches(_ source: String, pattern: String) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return source == pattern }
        let front = pattern[..<star]
        let back = pattern[pattern.index(after: star)...]
        return source.utf8.count >= front.utf8.count + back.utf8.count && source.hasPrefix(front)
            && source.hasSuffix(back)
    }

    private static func named(_ input: JSONValue, _ name: String) -> JSONValue {
        var input = input
        input["name"] = .string(name)
        return input
    }
}
