import Dispatch
import Synchronization

/// What the threads of a Livepeer process share: segments waiting for an upload worker, results
/// waiting to go into the sink in segment order, the broadcaster in use and its cookie, and
/// MistServer's failure counters for `proc_list`. At most two segments are between the
/// segmenter and the sink at any time, as in MistServer (the segmenter waits for room).
final class LivepeerUploads: Sendable {
    struct Counters: Sendable {
        var non200 = 0
        var timeout = 0
        var parse = 0
        var other = 0
    }

    private struct State {
        var waiting: [LivepeerSegment] = []
        var results: [UInt64: LivepeerResult] = [:]
        var broadcasters: LivepeerBroadcasters
        var cookie = ""
        var counters = Counters()
        /// Why the process gives up (too many failed uploads).
        var failure: String?
        /// Segments a worker is uploading.
        var uploading = 0
        var sourceEnded = false
        var over = false
    }

    static let inFlight = 2
    private let state: Mutex<State>
    private let queued = DispatchSemaphore(value: 0)
    private let delivered = DispatchSemaphore(value: 0)
    private let room = DispatchSemaphore(value: LivepeerUploads.inFlight)

    init(broadcasters: LivepeerBroadcasters) {
        state = Mutex(State(broadcasters: broadcasters))
    }

    // MARK: segmenter

    /// Hands a segment to the upload workers once there is room; false when the process ends first.
    func queue(_ segment: LivepeerSegment, stop: () -> Bool) -> Bool {
        while room.wait(timeout: .now() + .milliseconds(500)) == .timedOut {
            if stop() || isOver { return false }
        }
        state.withLock { $0.waiting.append(segment) }
        queued.signal()
        return true
    }

    func endSource() {
        state.withLock { $0.sourceEnded = true }
        delivered.signal()
    }

    // MARK: upload workers

    /// The next segment to upload, or nil after half a second without one.
    func nextSegment() -> LivepeerSegment? {
        guard queued.wait(timeout: .now() + .milliseconds(500)) == .success else { return nil }
        return state.withLock { state in
            guard !state.waiting.isEmpty else { return nil }
            state.uploading += 1
            return state.waiting.removeFirst()
        }
    }

    func finish(_ result: LivepeerResult) {
        state.withLock {
            $0.results[result.segment.number] = result
            $0.uploading -= 1
        }
        delivered.signal()
    }

    /// The upload URL of `number` on the current broadcaster, and the cookie it gave.
    func target(id: String, number: UInt64) -> (url: String, cookie: String) {
        state.withLock { ($0.broadcasters.uploadURL(id: id, number: number), $0.cookie) }
    }

    func keep(cookie: String) {
        state.withLock { $0.cookie = cookie }
    }

    /// Moves to another broadcaster (forgetting the cookie); its address, or nil when there is no other.
    func switchBroadcaster() -> String? {
        state.withLock { state in
            state.cookie = ""
            return state.broadcasters.switchAway() ? state.broadcasters.current : nil
        }
    }

    func count(_ failure: WritableKeyPath<Counters, Int>) {
        state.withLock { $0.counters[keyPath: failure] += 1 }
    }

    func fail(_ reason: String) {
        state.withLock { $0.failure = $0.failure ?? reason }
        delivered.signal()
    }

    // MARK: the sink

    /// The result of segment `number` once it is there (nil after half a second without it).
    func result(_ number: UInt64) -> LivepeerResult? {
        if let result = state.withLock({ $0.results.removeValue(forKey: number) }) {
            room.signal()
            return result
        }
        _ = delivered.wait(timeout: .now() + .milliseconds(500))
        return nil
    }

    /// Whether the source ended and every segment it made went into the sink.
    var drained: Bool {
        state.withLock { $0.sourceEnded && $0.waiting.isEmpty && $0.results.isEmpty && $0.uploading == 0 }
    }

    var failure: String? { state.withLock { $0.failure } }

    var isOver: Bool { state.withLock { $0.over } }

    func end() {
        state.withLock { $0.over = true }
    }

    /// The counters, the broadcaster in use and how often it changed, for the status report.
    var status: (counters: Counters, broadcaster: String, switches: Int) {
        state.withLock { ($0.counters, $0.broadcasters.current, $0.broadcasters.switches) }
    }
}
