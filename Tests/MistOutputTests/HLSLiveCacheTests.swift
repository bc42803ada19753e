import Logging
import MistData
import MistMedia
import MistShm
import MistStream
import NIOCore
import NIOEmbedded
import NIOHTTP1
import ShmTestSupport
import Testing

@testable import MistOutput

#if canImport(Glibc)
    import Glibc
#endif

/// Cached HLS answers with a stream written in this process: a playlist is answered from the
/// cache until its stream gets a new key, a segment until its input is gone, and a cached answer
/// goes out from the connection's event loop at once, pipelined requests included.
@Suite(.serialized) struct HLSLiveCacheTests {
    static let logger = Logger(label: "test")

    static func write(_ writer: StreamWriter, _ packets: [TestStream.Packet]) throws {
        for packet in packets {
            try packet.payload.withUnsafeBytes {
                try writer.append(
                    track: packet.track, time: packet.time, offset: packet.offset, keyframe: packet.keyframe, data: $0)
            }
        }
    }

    /// A live stream of `seconds` of the test stream (a key every 2 s), and the rest to come.
    static func liveStream(_ label: String, seconds: UInt64) throws -> (String, StreamWriter, [TestStream.Packet]) {
        let stream = "swifthls\(label)\(getpid())"
        let writer = try StreamWriter(stream: stream, live: true)
        for info in TestStream.tracks { _ = try writer.addTrack(info) }
        let packets = TestStream.packets(seconds: 20)
        try write(writer, packets.filter { $0.time < seconds * 1000 })
        return (stream, writer, packets.filter { $0.time >= seconds * 1000 })
    }

    @Test func aPlaylistIsAnsweredUntilANewKeyAndASegmentUntilTheInputIsGone() throws {
        let (stream, writer, rest) = try Self.liveStream("keys", seconds: 7)
        defer { writer.close() }
        let playlistKey = HLSLiveCache.key(stream: stream, tracks: "0_1", file: "index.m3u8")
        #expect(HLSLiveCache.shared.answer(playlistKey) == nil)
        let built = HLSOutput.respond([stream, "0_1", "index.m3u8"], query: [:], logger: Self.logger)
        #expect(built.status == "200 OK")
        let text = String(decoding: built.body, as: UTF8.self)
        #expect(text.contains("chunk_0.ts") && text.contains("chunk_4000.ts") && !text.contains("chunk_6000.ts"))
        let cached = try #require(HLSLiveCache.shared.answer(playlistKey))
        #expect(Array(buffer: cached.body) == built.body && cached.contentType == HLSOutput.playlistType)

        // (The test stream's video is not real H.264, so its TS is stored here directly; the
        // end-to-end tests fetch real segments.)
        let segment: [UInt8] = Array(repeating: 0x47, count: 188 * 3)
        let segmentKey = HLSLiveCache.key(stream: stream, tracks: "0_1", file: "chunk_2000.ts")
        HLSLiveCache.shared.store(segmentKey, stream: stream, contentType: "video/mp2t", body: segment, timing: nil)
        #expect(HLSLiveCache.shared.answer(segmentKey).map { Array(buffer: $0.body) } == segment)

        // Frames within the newest interval change nothing; the next key makes the playlist stale.
        try Self.write(writer, rest.filter { $0.time < 7900 })
        #expect(HLSLiveCache.shared.answer(playlistKey) != nil)
        try Self.write(writer, rest.filter { $0.time >= 7900 && $0.time <= 8000 })
        // The first request to find it stale rebuilds it; the others get the previous one meanwhile.
        #expect(HLSLiveCache.shared.answer(playlistKey) == nil)
        #expect(HLSLiveCache.shared.answer(playlistKey).map { Array(buffer: $0.body) } == built.body)
        #expect(HLSLiveCache.shared.answer(segmentKey) != nil)
        let rebuilt = HLSOutput.respond([stream, "0_1", "index.m3u8"], query: [:], logger: Self.logger)
        #expect(String(decoding: rebuilt.body, as: UTF8.self).contains("chunk_6000.ts"))
        #expect(HLSLiveCache.shared.answer(playlistKey).map { Array(buffer: $0.body) } == rebuilt.body)

        // The input ends: nothing of the stream is answered from the cache any more.
        writer.close()
        usleep(UInt32(StreamWatch.goneCheckSeconds * 1_000_000) + 50_000)
        #expect(HLSLiveCache.shared.answer(segmentKey) == nil)
        #expect(HLSLiveCache.shared.answer(playlistKey) == nil)
    }

    /// A channel with the whole HTTP pipeline of MistOutHTTP.
    static func channel() throws -> (EmbeddedChannel, ChannelConnection) {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let connection = ChannelConnection(channel: channel)
        let headGuard = HTTPHeadGuard(connection: connection, headSeconds: 10, idleSeconds: 30)
        try channel.pipeline.syncOperations.addHandler(headGuard)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))
        try channel.pipeline.syncOperations.addHandler(
            HTTPOutputHandler(
                connection: connection, headGuard: headGuard, logger: logger, formats: Set(HTTPFormat.allCases)))
        return (channel, connection)
    }

    @Test func aCachedAnswerGoesOutFromTheLoopAtOnce() throws {
        let (stream, writer, _) = try Self.liveStream("loop", seconds: 5)
        defer { writer.close() }
        let playlist = HLSOutput.respond([stream, "0_1", "index.m3u8"], query: [:], logger: Self.logger)
        #expect(playlist.status == "200 OK")
        let segment = (body: Array(repeating: UInt8(0x47), count: 188 * 2), status: "200 OK")
        HLSLiveCache.shared.store(
            HLSLiveCache.key(stream: stream, tracks: "0_1", file: "chunk_0.ts"), stream: stream,
            contentType: "video/mp2t", body: segment.body, timing: nil)

        // Two pipelined requests and a HEAD: all answered before the loop runs anything else
        // (an answer from the blocking pool could not be there yet), in order, keep-alive.
        let (channel, connection) = try Self.channel()
        try channel.writeInbound(
            ByteBuffer(
                string: "GET /hls/\(stream)/0_1/index.m3u8?tkn=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /hls/\(stream)/0_1/chunk_0.ts HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "HEAD /hls/\(stream)/0_1/chunk_0.ts HTTP/1.1\r\nHost: x\r\n\r\n"))
        var written: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { written += Array(buffer: buffer) }
        // Each answer hands the viewer its token as a cookie (the URL's, else the connection's),
        // and playlists carry it in their URIs.
        func head(_ length: Int, _ type: String, token: String) -> [UInt8] {
            Array(
                HTTPSession.responseHead(
                    status: "200 OK", contentType: type, length: length, keepAlive: true,
                    extraHeaders: ViewerSession.cookieHeader(token: token)
                ).utf8)
        }
        func tokened(_ token: String) -> [UInt8] {
            Array(HLSPlaylist.addingQuery(String(decoding: playlist.body, as: UTF8.self), "tkn=" + token).utf8)
        }
        let own = connection.generatedToken
        let expected =
            head(tokened("1").count, HLSOutput.playlistType, token: "1") + tokened("1")
            + head(segment.body.count, "video/mp2t", token: own) + segment.body
            + head(segment.body.count, "video/mp2t", token: own)
        #expect(written.count == expected.count)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        #expect(channel.isActive)

        // `Connection: close` is honoured after the answer.
        try channel.writeInbound(
            ByteBuffer(string: "GET /hls/\(stream)/0_1/index.m3u8 HTTP/1.1\r\nConnection: close\r\n\r\n"))
        var last: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { last += Array(buffer: buffer) }
        #expect(
            String(decoding: last, as: UTF8.self)
                == String(
                    decoding: head(tokened(own).count, HLSOutput.playlistType, token: own) + tokened(own), as: UTF8.self
                ))
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }
}
