import Logging
import MistCore
import NIOCore

/// A body sent to one viewer at the pace its channel takes it (files, live windows, subtitles):
/// `produce` is asked for more while the channel is writable and answers with bytes, with
/// `wait` when its stream has nothing ready (asked again when the stream moves on: the pump
/// parks with `StreamWaker`, or, for a body of no stream, looks again shortly) or with `end`.
/// Made on the blocking pool, then run on its channel's loop only.
final class ChannelPump: StreamingBody, @unchecked Sendable {
    enum Step {
        case bytes([UInt8])
        case wait
        /// Nothing until then: a body sent at its own pace is ahead of its clock.
        case waitFor(TimeAmount)
        case end
    }

    private let connection: ChannelConnection
    private let chunked: Bool
    private let keepAlive: Bool
    private let produce: () throws -> Step
    private let label: String
    /// The stream `produce` reads, whose progress wakes a waiting pump.
    private let stream: String?
    private let logger: Logger
    /// Runs once when the body ends or the viewer leaves (CONN_CLOSE, statistics).
    private var onEnd: (() -> Void)?
    private var finished: ((Bool) -> Void)?
    private var retry: Scheduled<Void>?
    /// Parked with the waker until the stream moves on.
    private var parked = false
    private var done = false

    /// `chunked` frames each piece for chunked transfer and ends with the terminator;
    /// `keepAlive` lets the connection take another request after the end.
    init(
        connection: ChannelConnection, chunked: Bool, keepAlive: Bool, label: String, stream: String?,
        logger: Logger, onEnd: (() -> Void)?, produce: @escaping () throws -> Step
    ) {
        self.stream = stream
        self.connection = connection
        self.chunked = chunked
        self.keepAlive = keepAlive
        self.label = label
        self.logger = logger
        self.onEnd = onEnd
        self.produce = produce
    }

    func start(finished: @escaping (Bool) -> Void) {
        self.finished = finished
        run()
    }

    private func run() {
        retry = nil
        guard !done else { return }
        let channel = connection.channel
        var wrote = false
        defer { if wrote { channel.flush() } }
        while channel.isWritable {
            let step: Step
            do {
                step = try produce()
            } catch {
                logger.mist(.warn, "\(label) for \(connection.peer) failed: \(error)")
                return finish(keepAlive: false)
            }
            switch step {
            case .bytes(let bytes):
                guard !bytes.isEmpty else { continue }
                connection.write(channel.allocator.buffer(bytes: chunked ? FanOutChunk.frame(bytes) : bytes))
                wrote = true
            case .wait:
                return wait()
            case .waitFor(let delay):
                retry = channel.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in self?.run() }
                return
            case .end:
                if chunked {
                    connection.write(channel.allocator.buffer(bytes: FanOutChunk.frame([])))
                    wrote = true
                }
                return finish(keepAlive: keepAlive)
            }
        }
    }

    /// Runs again once there may be more: when the stream moved on, or shortly.
    private func wait() {
        (parked, retry) = StreamWaker.shared.wait(for: stream, on: connection.channel.eventLoop) { [weak self] in
            guard let self else { return }
            parked = false
            retry = nil
            run()
        }
    }

    private func finish(keepAlive: Bool) {
        done = true
        connection.channel.flush()
        notifyEnd()
        let next = finished
        finished = nil
        next?(keepAlive)
    }

    func writabilityChanged() {
        if connection.channel.isWritable && retry == nil && !parked { run() }
    }

    func channelClosed() {
        done = true
        retry?.cancel()
        retry = nil
        notifyEnd()
    }

    /// Runs `onEnd`, once.
    private func notifyEnd() {
        let notice = onEnd
        onEnd = nil
        notice?()
    }
}
