import Logging
import MistCore
import MistNet
import NIOCore
import NIOEmbedded
import Testing

@testable import MistOutput

/// The fan-out ring, its viewers and lanes on embedded channels: what a fast viewer gets, what a
/// viewer whose channel stops taking bytes gets (it skips to a keyframe, and is dropped after a
/// stall), and chunked framing. Every byte a channel writes is read back.
@Suite struct FanOutTests {
    static let logger = Logger(label: "test")

    static func viewer(chunked: Bool = false, own: [UInt8] = []) -> (FanOutViewer, EmbeddedChannel) {
        let channel = EmbeddedChannel()
        return (FanOutViewer(connection: ChannelConnection(channel: channel), chunked: chunked, own: own), channel)
    }

    /// Everything the channel has written so far.
    static func drain(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var out: [UInt8] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            out += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        return out
    }

    /// Chunk `n` is 8 KiB of byte `n`; every tenth is joinable.
    static func payload(_ sequence: Int) -> [UInt8] { [UInt8](repeating: UInt8(sequence % 256), count: 8192) }

    @Test func theRingKeepsItsBudgetButNeverTheNewestJoinableChunk() {
        var ring = FanOutRing(budget: 40_000)
        for sequence in 0..<30 { ring.append(Self.payload(sequence), joinable: sequence % 10 == 0) }
        #expect(ring.nextSequence == 30)
        #expect(ring.newestJoinable?.sequence == 20)
        #expect(ring.bytes <= 40_000 || ring.firstSequence == 20)
        #expect(ring.firstSequence == 30 - ring.chunks.count)
        #expect(ring.chunk(29).map { Array($0.payload.readableBytesView) } == Self.payload(29))
        #expect(ring.chunk(ring.firstSequence - 1) == nil)
        // Without a joinable chunk in the budget, everything from the newest joinable one stays.
        var sparse = FanOutRing(budget: 10_000)
        for sequence in 0..<8 { sparse.append(Self.payload(sequence), joinable: sequence == 0) }
        #expect(sparse.firstSequence == 0 && sparse.chunks.count == 8)
        // Thousands of chunks later (compaction included) it still finds them by sequence.
        var long = FanOutRing(budget: 100_000)
        for sequence in 0..<5000 { long.append(Self.payload(sequence), joinable: sequence % 10 == 0) }
        #expect(long.chunk(4999).map { Array($0.payload.readableBytesView) } == Self.payload(4999))
        #expect(long.newestJoinable?.sequence == 4990 && long.bytes <= 100_000 + 8200)
    }

    @Test func chunksAreSharedNotCopied() {
        let chunk = FanOutChunk(sequence: 0, joinable: true, payload: Array("frame".utf8))
        #expect(String(buffer: chunk.framed) == "5\r\nframe\r\n")
        #expect(String(buffer: chunk.payload) == "frame")
        // The payload is a slice of the framed bytes' storage.
        let same = chunk.framed.withUnsafeReadableBytes { framed in
            chunk.payload.withUnsafeReadableBytes { $0.baseAddress == framed.baseAddress! + 3 }
        }
        #expect(same)
    }

    @Test func aViewerThatStopsReadingSkipsAheadWithoutHoldingBackAFastOne() throws {
        let head = Array("HTTP/1.1 200 OK\r\n\r\n".utf8)
        let (fastViewer, fast) = Self.viewer(own: head)
        let (slowViewer, slow) = Self.viewer(own: head)
        var ring = FanOutRing(budget: 100_000)
        var fastBytes: [UInt8] = []
        var slowBytes: [UInt8] = []
        for sequence in 0..<100 {
            let chunk = ring.append(Self.payload(sequence), joinable: sequence % 10 == 0)
            if sequence == 0 {
                fastViewer.start(at: chunk)
                slowViewer.start(at: chunk)
            }
            #expect(fastViewer.flush(ring) == .done)
            fastBytes += try Self.drain(fast)
            // The slow viewer's channel stops taking bytes after its first chunk.
            _ = slowViewer.flush(ring)
            slowBytes += try Self.drain(slow)
            slow.isWritable = false
        }
        #expect(fastBytes == head + (0..<100).flatMap(Self.payload))
        #expect(slowViewer.isBlocked && slowViewer.takeSkipped() == 0)
        #expect(slowBytes == head + Self.payload(0))
        // When it takes bytes again it skips to the newest keyframe the ring holds.
        slow.isWritable = true
        #expect(slowViewer.flush(ring) == .done)
        #expect(slowViewer.takeSkipped() == 89 && !slowViewer.isBlocked)
        slowBytes += try Self.drain(slow)
        #expect(slowBytes == head + Self.payload(0) + (90..<100).flatMap(Self.payload))
    }

    @Test func aLaneServesItsViewersAndDropsAStalledOne() throws {
        let loop = EmbeddedEventLoop()
        var left = 0
        let lane = FanOutLane(
            loop: loop, ring: FanOutRing(budget: 1 << 20), label: "test", logger: Self.logger, watching: { 0 },
            left: { left += 1 })
        let (reading, readingChannel) = Self.viewer()
        let (stalled, stalledChannel) = Self.viewer()
        var closes = 0
        stalled.onClose = { closes += 1 }
        lane.admit(reading)
        lane.admit(stalled)
        lane.append([FanOutChunk(sequence: 0, joinable: true, payload: Self.payload(0))])
        stalledChannel.isWritable = false
        lane.append((1..<5).map { FanOutChunk(sequence: $0, joinable: false, payload: Self.payload($0)) })
        #expect(try Self.drain(readingChannel) == (0..<5).flatMap(Self.payload))
        #expect(try Self.drain(stalledChannel) == Self.payload(0))
        // A viewer that joins now starts at the newest keyframe.
        let (late, lateChannel) = Self.viewer()
        lane.admit(late)
        #expect(try Self.drain(lateChannel) == (0..<5).flatMap(Self.payload))
        lane.dropStalled(now: monotonicSeconds() + 10)
        #expect(lane.viewers.count == 3 && left == 0)
        lane.dropStalled(now: monotonicSeconds() + FanOutLane.stallSeconds + 1)
        #expect(lane.viewers.count == 2 && left == 1 && closes == 1)
        #expect(lane.viewers.allSatisfy { $0 !== stalled })
        // A channel that closes leaves once, however often it is told.
        lane.remove(late)
        lane.remove(late)
        #expect(lane.viewers.count == 1 && left == 2)
        // The stream's end is told to the viewers still there (CONN_STOP), once each.
        var stops = 0
        reading.onStreamEnd = { stops += 1 }
        late.onStreamEnd = { stops += 100 }
        lane.finish()
        #expect(lane.viewers.isEmpty && left == 3 && stops == 1)
        try loop.syncShutdownGracefully()
    }

    @Test func chunkedViewersGetFramedChunksAndATerminator() throws {
        let (viewer, channel) = Self.viewer(chunked: true, own: FanOutChunk.frame(Array("hdr".utf8)))
        var ring = FanOutRing(budget: 1 << 20)
        viewer.start(at: nil)
        ring.append(Array("not joinable".utf8), joinable: false)
        let joinable = ring.append(Array("keyframe".utf8), joinable: true)
        viewer.joinableArrived(joinable)
        ring.append(Array("more".utf8), joinable: false)
        viewer.append(trailer: FanOutChunk.frame([]))
        #expect(viewer.flush(ring) == .done)
        let text = String(decoding: try Self.drain(channel), as: UTF8.self)
        #expect(text == "3\r\nhdr\r\n8\r\nkeyframe\r\n4\r\nmore\r\n0\r\n\r\n")
    }
}

@Suite struct HLSSegmentCacheTests {
    @Test func segmentsAreMuxedOnceAndTheOldestLeave() {
        let cache = HLSSegmentCache(capacity: 2)
        var made = 0
        func get(_ key: String) -> [UInt8] {
            cache.bytes(key) {
                made += 1
                return Array(key.utf8)
            }
        }
        #expect(get("a") == Array("a".utf8) && get("a") == Array("a".utf8) && made == 1)
        _ = get("b")
        _ = get("c")
        #expect(cache.count == 2 && made == 3)
        _ = get("a")
        #expect(made == 4, "a was the oldest and left")
        #expect(cache.bytes("empty") { [] }.isEmpty && cache.count == 2, "nothing kept for an empty segment")
    }
}
