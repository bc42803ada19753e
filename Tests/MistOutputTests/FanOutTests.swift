import Glibc
import MistNet
import Testing

@testable import MistOutput

/// The fan-out ring and its viewers over socket pairs: what a fast viewer gets, what a viewer
/// that stops reading gets, and chunked framing.
@Suite struct FanOutTests {
    /// A connected pair: the server end (small send buffer, so it fills) and the viewer's end.
    static func pair(sendBuffer: Int32 = 4096) throws -> (server: TCPConnection, client: Int32) {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        var size = sendBuffer
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        return (TCPConnection(descriptor: fds[0], peer: "pair"), fds[1])
    }

    static func drain(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard count > 0 else { return out }
            out += buffer[0..<count]
        }
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
        #expect(ring.chunk(29)?.framed[ring.chunk(29)!.payload].allSatisfy { $0 == 29 } == true)
        #expect(ring.chunk(ring.firstSequence - 1) == nil)
        // Without a joinable chunk in the budget, everything from the newest joinable one stays.
        var sparse = FanOutRing(budget: 10_000)
        for sequence in 0..<8 { sparse.append(Self.payload(sequence), joinable: sequence == 0) }
        #expect(sparse.firstSequence == 0 && sparse.chunks.count == 8)
    }

    @Test func aViewerThatStopsReadingSkipsAheadWithoutHoldingBackAFastOne() throws {
        let fast = try Self.pair()
        let slow = try Self.pair()
        defer {
            close(fast.client)
            close(slow.client)
        }
        let head = Array("HTTP/1.1 200 OK\r\n\r\n".utf8)
        let fastViewer = FanOutViewer(connection: fast.server, chunked: false, own: head)
        let slowViewer = FanOutViewer(connection: slow.server, chunked: false, own: head)
        var ring = FanOutRing(budget: 100_000)
        var fastBytes: [UInt8] = []
        var skipped = false
        for sequence in 0..<100 {
            let chunk = ring.append(Self.payload(sequence), joinable: sequence % 10 == 0)
            if sequence == 0 {
                fastViewer.start(at: chunk)
                slowViewer.start(at: chunk)
            }
            // The fast viewer reads as it goes; the slow one reads nothing.
            while try fastViewer.flush(ring) == .blocked { fastBytes += Self.drain(fast.client) }
            fastBytes += Self.drain(fast.client)
            _ = try slowViewer.flush(ring)
            if slowViewer.takeSkipped() > 0 { skipped = true }
        }
        #expect(fastBytes == head + (0..<100).flatMap(Self.payload))
        // The slow viewer is stuck in its first chunk, which it keeps although the ring dropped it.
        #expect(!skipped && slowViewer.isBlocked)
        // When it reads again it finishes that chunk, then skips to the newest keyframe.
        var slowBytes = Self.drain(slow.client)
        while true {
            let flush = try slowViewer.flush(ring)
            slowBytes += Self.drain(slow.client)
            if slowViewer.takeSkipped() > 0 { skipped = true }
            if flush != .blocked { break }
        }
        #expect(skipped && slowViewer.skips == 1)
        #expect(Array(slowBytes.prefix(head.count)) == head)
        let media = Array(slowBytes.dropFirst(head.count))
        #expect(media.count % 8192 == 0)
        let sequence = stride(from: 0, to: media.count, by: 8192).map { Int(media[$0]) }
        for (index, value) in sequence.enumerated() {
            #expect(media[(index * 8192)..<((index + 1) * 8192)].allSatisfy { $0 == UInt8(value) })
        }
        for (previous, next) in zip(sequence, sequence.dropFirst()) where next != previous + 1 {
            #expect(next % 10 == 0 && next > previous, "resumed at \(next) after \(previous)")
        }
        #expect(sequence.first == 0 && sequence.last == 99)
        #expect(sequence.count < 100)
    }

    @Test func chunkedViewersGetFramedChunksAndATerminator() throws {
        let peer = try Self.pair(sendBuffer: 1 << 20)
        defer { close(peer.client) }
        let viewer = FanOutViewer(connection: peer.server, chunked: true, own: FanOutChunk.frame(Array("hdr".utf8)))
        var ring = FanOutRing(budget: 1 << 20)
        viewer.start(at: nil)
        ring.append(Array("not joinable".utf8), joinable: false)
        let joinable = ring.append(Array("keyframe".utf8), joinable: true)
        viewer.joinableArrived(joinable)
        ring.append(Array("more".utf8), joinable: false)
        viewer.append(trailer: FanOutChunk.frame([]))
        #expect(try viewer.flush(ring) == .done)
        let text = String(decoding: Self.drain(peer.client), as: UTF8.self)
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
