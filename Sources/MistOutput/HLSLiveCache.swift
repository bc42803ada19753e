import MistCore
import MistShm
import NIOCore
import Synchronization

/// Answers to HLS and CMAF playlist and segment requests, kept so the many players of a stream
/// are answered on their event loop without opening the stream for each request. The first
/// request builds an answer on the blocking pool and stores it; a playlist stays valid while its
/// timing track's key window does not change (a low-latency playlist, which lists parts, while
/// its track completes no new part either), a segment while the input that wrote it runs. Keyed by
/// the request path; at most `capacity` answers, the oldest go first.
final class HLSLiveCache: Sendable {
    static let shared = HLSLiveCache(capacity: 160)

    struct Answer {
        var contentType: String
        var body: ByteBuffer
    }

    private struct Entry {
        var answer: Answer
        var watch: StreamWatch
        /// For a playlist: its timing track and the key window it was built from.
        var timing: Timing?
        /// Since when a request rebuilds this stale playlist on the pool.
        var rebuildingSince: Double?
    }

    /// How long the other players get the previous playlist while one request rebuilds it.
    static let rebuildSeconds = 1.0

    let capacity: Int
    private let state = Mutex<(entries: [String: Entry], order: [String], watches: [String: StreamWatch])>(
        ([:], [], [:]))

    init(capacity: Int) { self.capacity = capacity }

    /// What a playlist was built from: its timing track's key window and, for one that lists
    /// parts, how many parts of the growing segment its track had reached.
    struct Timing {
        var track: Int
        var window: StreamReader.KeyWindow
        var parts: (track: Int, reached: UInt64)?

        init(_ track: Int, _ window: StreamReader.KeyWindow, parts: (track: Int, reached: UInt64)? = nil) {
            self.track = track
            self.window = window
            self.parts = parts
        }
    }

    static func key(stream: String, tracks: String, file: String) -> String { "\(stream)/\(tracks)/\(file)" }

    /// The stored answer for `key` if it is still right, else nil. A playlist that a new key
    /// made stale is rebuilt by the first request that finds it so (nil for that one); until
    /// the new one is stored, the others get the previous one, one key behind, instead of each
    /// rebuilding it. A stream whose input is gone loses all its answers and its watch (which
    /// would otherwise keep the old pages mapped).
    func answer(_ key: String) -> Answer? {
        guard let entry = state.withLock({ $0.entries[key] }) else { return nil }
        if entry.watch.isGone {
            forget(entry.watch)
            return nil
        }
        guard let timing = entry.timing else { return entry.answer }
        guard let window = entry.watch.keyWindow(of: timing.track) else { return nil }
        if window == timing.window
            && (timing.parts.map {
                entry.watch.partsReached(
                    of: $0.track, timing: timing.track, partMilliseconds: LowLatencyHLS.partMilliseconds) == $0.reached
            } ?? true)
        {
            return entry.answer
        }
        let now = monotonicSeconds()
        let rebuild = state.withLock { state -> Bool in
            guard var current = state.entries[key], current.watch === entry.watch else { return true }
            if let since = current.rebuildingSince, now - since < HLSLiveCache.rebuildSeconds { return false }
            current.rebuildingSince = now
            state.entries[key] = current
            return true
        }
        return rebuild ? nil : entry.answer
    }

    private func forget(_ watch: StreamWatch) {
        state.withLock { state in
            state.entries = state.entries.filter { $0.value.watch !== watch }
            state.order.removeAll { state.entries[$0] == nil }
            if state.watches[watch.stream] === watch { state.watches[watch.stream] = nil }
        }
    }

    /// Keeps `body` as the answer for `key` of `stream`; a playlist passes its timing track and
    /// the key window read before it was built (so a key that arrived meanwhile makes it stale,
    /// never the other way round). Called on the blocking pool: it may open the stream's watch.
    func store(
        _ key: String, stream: String, contentType: String, body: [UInt8],
        timing: Timing?
    ) {
        guard let watch = watch(stream) else { return }
        let entry = Entry(
            answer: Answer(contentType: contentType, body: ByteBuffer(bytes: body)), watch: watch, timing: timing)
        state.withLock { state in
            if state.entries[key] == nil { state.order.append(key) }
            state.entries[key] = entry
            guard state.order.count > capacity else { return }
            while state.order.count > capacity { state.entries[state.order.removeFirst()] = nil }
            // A stream none of whose answers is left keeps no watch (nor its pages mapped).
            let used = Set(state.entries.values.map { ObjectIdentifier($0.watch) })
            state.watches = state.watches.filter { used.contains(ObjectIdentifier($0.value)) }
        }
    }

    /// The watch of `stream`, opened anew when there is none or its input is gone.
    private func watch(_ stream: String) -> StreamWatch? {
        if let known = state.withLock({ $0.watches[stream] }), !known.isGone { return known }
        guard let reader = try? StreamReader(stream: stream, waitMilliseconds: 0) else { return nil }
        let watch = StreamWatch(reader: reader)
        return state.withLock { state in
            if let known = state.watches[stream], !known.isGone { return known }
            state.watches[stream] = watch
            return watch
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
