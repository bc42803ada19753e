import NIOCore
import NIOPosix

/// The event loops an output process serves its connections on (one per core), and the small
/// pool of threads for the steps that block by nature: trigger handlers that are asked and
/// waited for, an input started on demand and waited for, a file index read from disk.
/// Connections themselves never get a thread.
public enum OutputEventLoops {
    /// One loop per core.
    public static let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)

    /// Threads for blocking steps; enough that a slow trigger handler does not hold back others.
    public static let blocking: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(8, 4 * System.coreCount))
        pool.start()
        return pool
    }()

    /// Runs `work` on the blocking pool, then `then` with its result on `loop` (call on `loop`).
    static func offload<T>(
        on loop: any EventLoop, _ work: @escaping @Sendable () throws -> T,
        then: @escaping (Result<T, any Error>) -> Void
    ) {
        let box = UncheckedBox<T?>(nil)
        blocking.runIfActive(eventLoop: loop) { box.value = try work() }.assumeIsolated().whenComplete { result in
            then(result.flatMap { box.value.map { .success($0) } ?? .failure(ChannelError.ioOnClosedChannel) })
        }
    }

    /// How often a fan-out group or a per-viewer pump looks for what its input published
    /// (the reader's pages are shared memory written by another process).
    static let pollInterval = TimeAmount.milliseconds(2)
    /// How soon a per-viewer pump looks again when its stream had nothing ready.
    static let retryInterval = TimeAmount.milliseconds(5)
}
