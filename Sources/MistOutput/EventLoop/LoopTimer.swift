import NIOCore

/// Runs a body every `interval` on one event loop until cancelled. The body runs on the loop, so
/// it may use what only that loop touches (NIO's repeated tasks want sendable bodies).
final class LoopTimer {
    private let loop: any EventLoop
    private let interval: TimeAmount
    private let body: () -> Void
    private var scheduled: Scheduled<Void>?
    private var cancelled = false

    /// Starts the timer; call on `loop`.
    init(loop: any EventLoop, interval: TimeAmount, initialDelay: TimeAmount? = nil, body: @escaping () -> Void) {
        self.loop = loop
        self.interval = interval
        self.body = body
        schedule(in: initialDelay ?? interval)
    }

    private func schedule(in delay: TimeAmount) {
        scheduled = loop.assumeIsolated().scheduleTask(in: delay) { [self] in
            guard !cancelled else { return }
            body()
            if !cancelled { schedule(in: interval) }
        }
    }

    func cancel() {
        cancelled = true
        scheduled?.cancel()
        scheduled = nil
    }
}
