import MistData
import MistShm

/// Whether a stream's buffer runs a process entry, by MistServer's rules, in its order: its
/// `source_track` (for its `x-LSP-kind`) or `track_select` must select a track of the stream, no
/// tag of `tags_inhibit` may be the stream's, and its `track_inhibit` must select no track, or
/// only tracks the running process made itself (`own`).
public enum ProcessGate {
    /// Whether the entry should run now.
    public static func admits(_ entry: JSONValue, tracks: [StreamTrack], own: [Int], running: Bool, tags: Set<String>)
        -> Bool
    {
        if let selector = entry["source_track"].stringValue, !selector.isEmpty, selector != "automatic" {
            let types = entry["x-LSP-kind"].stringValue.map { [$0] } ?? ["video", "audio", "subtitle", "meta"]
            if types.allSatisfy({ TrackSelector.select(selector, type: $0, from: tracks).isEmpty }) { return false }
        }
        if let selector = entry["track_select"].stringValue,
            TrackSelector.select(query: selector, from: tracks, defaults: true).isEmpty
        {
            return false
        }
        let inhibitors =
            entry["tags_inhibit"].stringValue.map { [$0] } ?? entry["tags_inhibit"].arrayValue?.compactMap(
                \.stringValue) ?? []
        if inhibitors.contains(where: { tags.contains($0.hasPrefix("#") ? String($0.dropFirst()) : $0) }) {
            return false
        }
        if let inhibitor = entry["track_inhibit"].stringValue {
            let query = "audio=none&video=none&subtitle=none&meta=none&" + inhibitor
            let selected = TrackSelector.select(query: query, from: tracks, defaults: false)
            // A running process is not inhibited by the tracks it made itself.
            if !selected.isEmpty && (!running || selected.contains { !own.contains($0.index) }) { return false }
        }
        return true
    }
}
