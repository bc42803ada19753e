import MistCore
import MistShm

extension TrackSelector {
    /// The tracks a selector query (`video=720p&audio=none`, as in `track_select`,
    /// `track_inhibit` and viewer URLs) picks from `tracks`: each named type's selector, and for
    /// a type the query does not name, its first track when `defaults` is set (a viewer's default
    /// choice) or none.
    public static func select(query: String, from tracks: [StreamTrack], defaults: Bool) -> [StreamTrack] {
        var selectors: [String: String] = [:]
        for (name, value) in URLQuery.parse(query.utf8) where !name.isEmpty { selectors[name.lowercased()] = value }
        var chosen: Set<Int> = []
        for type in ["video", "audio", "subtitle", "meta"] {
            if let selector = selectors[type] {
                chosen.formUnion(select(selector, type: type, from: tracks).map(\.index))
            } else if defaults, let first = tracks.first(where: { $0.info.type == type }) {
                chosen.insert(first.index)
            }
        }
        return tracks.filter { chosen.contains($0.index) }
    }
}
