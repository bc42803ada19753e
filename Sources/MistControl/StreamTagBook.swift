import Synchronization

/// Runtime stream tags (MistServer's `tag_stream`): the tags of each active stream, which start
/// from its configuration's `tags` when it becomes active and go when it stops. A stream tagged
/// while inactive gets the tag if it becomes active within 60 s. Nothing here is saved.
final class StreamTagBook: Sendable {
    static let queueSeconds = 60.0

    private struct State {
        var active: [String: Set<String>] = [:]
        /// Tags for inactive streams, each with when it lapses.
        var queued: [String: [String: Double]] = [:]
    }

    private let state = Mutex(State())

    /// Adds `tags` to `stream`: at once when it is active (starting from `defaults` if this is
    /// the book's first sight of it), else queued.
    func tag(_ stream: String, _ tags: [String], isActive: Bool, defaults: [String], now: Double) {
        let tags = tags.filter { !$0.isEmpty }
        state.withLock { state in
            if isActive {
                state.active[stream, default: Set(defaults)].formUnion(tags)
            } else {
                for tag in tags { state.queued[stream, default: [:]][tag] = now + Self.queueSeconds }
            }
        }
    }

    /// Takes `tags` off `stream`, and out of its queue.
    func untag(_ stream: String, _ tags: [String]) {
        state.withLock { state in
            for tag in tags {
                state.active[stream]?.remove(tag)
                state.queued[stream]?[tag] = nil
            }
            if state.queued[stream]?.isEmpty == true { state.queued[stream] = nil }
        }
    }

    /// Follows the active streams: one newly active gets its `defaults` and its queued tags,
    /// one that stopped loses its tags, and lapsed queued tags go. The tags of each active stream.
    @discardableResult
    func update(active: Set<String>, defaults: (String) -> [String], now: Double) -> [String: [String]] {
        state.withLock { state in
            for stream in active where state.active[stream] == nil {
                let queued = (state.queued.removeValue(forKey: stream) ?? [:]).filter { $0.value > now }.keys
                state.active[stream] = Set(defaults(stream).filter { !$0.isEmpty }).union(queued)
            }
            for stream in Array(state.active.keys) where !active.contains(stream) { state.active[stream] = nil }
            for stream in Array(state.queued.keys) {
                state.queued[stream] = state.queued[stream]?.filter { $0.value > now }
                if state.queued[stream]?.isEmpty == true { state.queued[stream] = nil }
            }
            return state.active.mapValues { $0.sorted() }
        }
    }

    /// The tags of an active stream (none for an inactive one).
    func tags(of stream: String) -> Set<String> { state.withLock { $0.active[stream] ?? [] } }

    /// The tags of every active stream.
    var all: [String: [String]] { state.withLock { $0.active.mapValues { $0.sorted() } } }
}
