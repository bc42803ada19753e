import MistCore
import MistShm
import NIOCore
import NIOPosix
import ShmTestSupport
import Synchronization
import Testing

@testable import MistOutput

#if canImport(Glibc)
    import Glibc
#endif

/// Viewers waiting for a stream park with the waker: they are woken when the input writes,
/// not before (short of the fallback), each on its own loop; the timer stops when nobody waits.
@Suite(.serialized) struct StreamWakerTests {
    @Test func aParkedViewerWakesWhenTheInputWritesAndTheTimerStopsAfterwards() throws {
        let (stream, writer, rest) = try HLSLiveCacheTests.liveStream("waker", seconds: 3)
        defer { writer.close() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let loops = [group.next(), group.next()]
        let woken = Mutex<[(index: Int, at: Double, onLoop: Bool)]>([])
        let parkedAt = monotonicSeconds()
        for (index, loop) in loops.enumerated() {
            #expect(
                StreamWaker.shared.park(stream, on: loop) {
                    woken.withLock { $0.append((index, monotonicSeconds(), loop.inEventLoop)) }
                })
        }
        #expect(StreamWaker.shared.watchedStreams >= 1)
        // Nothing was written: no wake before the fallback.
        usleep(20_000)
        let early = woken.withLock { $0.filter { $0.at - parkedAt < StreamWaker.fallbackSeconds } }
        #expect(early.isEmpty)
        // A packet wakes both, each on its own loop.
        let wroteAt = monotonicSeconds()
        try HLSLiveCacheTests.write(writer, Array(rest.prefix(1)))
        let deadline = monotonicSeconds() + 5
        while woken.withLock({ $0.count }) < 2 && monotonicSeconds() < deadline { usleep(1000) }
        let all = woken.withLock { $0 }
        #expect(Set(all.map(\.index)) == [0, 1] && all.allSatisfy(\.onLoop))
        #expect(all.allSatisfy { $0.at >= min(wroteAt, parkedAt + StreamWaker.fallbackSeconds) })
        // Nobody waits any more: the stream's timer stops.
        while StreamWaker.shared.watchedStreams > 0 && monotonicSeconds() < deadline { usleep(1000) }
        #expect(StreamWaker.shared.watchedStreams == 0)
    }

    @Test func aStreamThatDoesNotMoveStillWakesItsViewersByTheFallback() throws {
        let (stream, writer, _) = try HLSLiveCacheTests.liveStream("fallback", seconds: 3)
        defer { writer.close() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let woken = Atomic<Bool>(false)
        let parkedAt = monotonicSeconds()
        #expect(StreamWaker.shared.park(stream, on: group.next()) { woken.store(true, ordering: .relaxed) })
        let deadline = monotonicSeconds() + 5
        while !woken.load(ordering: .relaxed) && monotonicSeconds() < deadline { usleep(1000) }
        let wasWoken = woken.load(ordering: .relaxed)
        #expect(wasWoken)
        #expect(monotonicSeconds() - parkedAt >= StreamWaker.fallbackSeconds)
        #expect(!StreamWaker.shared.park("swiftnosuchstream\(getpid())", on: group.next()) {})
    }
}
