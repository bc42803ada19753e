import MistCore
import MistShm
import NIOCore
import Synchronization

/// Where per-viewer bodies wait for their stream (a live window at the live edge, a file page
/// the input is still loading, a DTSC pull) instead of each polling: one timer per waited-for
/// stream looks at the stream's progress every `OutputEventLoops.pollInterval` and wakes the
/// viewers parked on it, each on its own loop, when it moved, and at least every
/// `fallbackSeconds` for what progress does not show (a hold that runs out, the input leaving).
/// The timer stops when nobody waits.
final class StreamWaker: Sendable {
    static let shared = StreamWaker()
    static let fallbackSeconds = 0.05

    private final class Parked: @unchecked Sendable {
        let stream: String
        let watch: StreamWatch
        /// Guarded by the waker's lock.
        var progress: UInt64
        var wokenAt: Double
        var waiters: [(loop: any EventLoop, wake: @Sendable () -> Void)] = []
        /// Touched on `loop` only.
        var timer: LoopTimer?

        init(stream: String, watch: StreamWatch) {
            self.stream = stream
            self.watch = watch
            progress = watch.progress()
            wokenAt = monotonicSeconds()
        }
    }

    private let parked = Mutex<[String: Parked]>([:])

    /// Calls `wake` on `loop` once `stream` moved on (or `fallbackSeconds` passed). False when
    /// the stream has no pages to watch; the caller then looks again by a timer of its own.
    func park(_ stream: String, on loop: any EventLoop, wake: @escaping @Sendable () -> Void) -> Bool {
        if parked.withLock({ table in
            guard let entry = table[stream] else { return false }
            entry.waiters.append((loop, wake))
            return true
        }) {
            return true
        }
        guard let reader = try? StreamReader(stream: stream, waitMilliseconds: 0) else { return false }
        let fresh = Parked(stream: stream, watch: StreamWatch(reader: reader))
        let (entry, created) = parked.withLock { table -> (Parked, Bool) in
            if let entry = table[stream] {
                entry.waiters.append((loop, wake))
                return (entry, false)
            }
            fresh.waiters.append((loop, wake))
            table[stream] = fresh
            return (fresh, true)
        }
        if created {
            loop.execute { [self] in
                entry.timer = LoopTimer(loop: loop, interval: OutputEventLoops.pollInterval) { [self] in tick(entry) }
            }
        }
        return true
    }

    /// Runs `wake` on `loop` once `stream` moved on, parked here; when it cannot park (no stream,
    /// or no pages to watch) it runs `wake` shortly instead and returns that timer's task.
    /// `parked` says which: a caller ignores writability while parked.
    func wait(
        for stream: String?, on loop: any EventLoop, wake: @escaping @Sendable () -> Void
    ) -> (parked: Bool, retry: Scheduled<Void>?) {
        if let stream, park(stream, on: loop, wake: wake) { return (true, nil) }
        return (false, loop.scheduleTask(in: OutputEventLoops.retryInterval, wake))
    }

    /// One look at a parked stream (on its timer's loop).
    private func tick(_ entry: Parked) {
        let progress = entry.watch.progress()
        let now = monotonicSeconds()
        let (due, stop) = parked.withLock { table -> ([(loop: any EventLoop, wake: @Sendable () -> Void)], Bool) in
            if entry.waiters.isEmpty {
                if table[entry.stream] === entry { table[entry.stream] = nil }
                return ([], true)
            }
            guard progress != entry.progress || now - entry.wokenAt >= StreamWaker.fallbackSeconds else {
                return ([], false)
            }
            entry.progress = progress
            entry.wokenAt = now
            defer { entry.waiters.removeAll() }
            return (entry.waiters, false)
        }
        if stop {
            entry.timer?.cancel()
            entry.timer = nil
            return
        }
        for waiter in due {
            if waiter.loop.inEventLoop { waiter.wake() } else { waiter.loop.execute(waiter.wake) }
        }
    }

    /// Streams with a timer running (for tests).
    var watchedStreams: Int { parked.withLock { $0.count } }
}
