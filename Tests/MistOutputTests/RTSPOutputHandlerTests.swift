import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import MistOutput

/// The RTSP server's answers before any stream is involved, on an embedded channel: OPTIONS,
/// ANNOUNCE and SETUP in order, UDP refused with 461, a publisher's DESCRIBE with 455, garbage
/// with 400 and a close.
@Suite struct RTSPOutputHandlerTests {
    static func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try RTSPOutputHandler.pipeline(channel, logger: Logger(label: "test"))
        return channel
    }

    static func ask(_ channel: EmbeddedChannel, _ text: String) throws -> String {
        try channel.writeInbound(channel.allocator.buffer(string: text))
        var answer = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            answer += String(buffer: buffer)
        }
        return answer
    }

    @Test func aPublishersRequestsAreAnsweredInOrder() throws {
        let channel = try Self.channel()
        let options = try Self.ask(channel, "OPTIONS rtsp://127.0.0.1/live RTSP/1.0\r\nCSeq: 1\r\n\r\n")
        #expect(
            options.hasPrefix(
                "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, RECORD"))
        #expect(
            try Self.ask(channel, "SETUP rtsp://127.0.0.1/live/streamid=0 RTSP/1.0\r\nCSeq: 2\r\n\r\n")
                .hasPrefix("RTSP/1.0 455"))
        let sdp =
            "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
            + "a=fmtp:96 packetization-mode=1\r\na=control:streamid=0\r\n"
        let announce = try Self.ask(
            channel,
            "ANNOUNCE rtsp://127.0.0.1/live RTSP/1.0\r\nCSeq: 3\r\nContent-Length: \(sdp.utf8.count)\r\n\r\n\(sdp)")
        #expect(announce.hasPrefix("RTSP/1.0 200 OK\r\nCSeq: 3"))
        let udp = try Self.ask(
            channel,
            "SETUP rtsp://127.0.0.1/live/streamid=0 RTSP/1.0\r\nCSeq: 4\r\nTransport: RTP/AVP/UDP;unicast;client_port=5000-5001\r\n\r\n"
        )
        #expect(udp.hasPrefix("RTSP/1.0 461"))
        let tcp = try Self.ask(
            channel,
            "SETUP rtsp://127.0.0.1/live/streamid=0 RTSP/1.0\r\nCSeq: 5\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n"
        )
        #expect(
            tcp.hasPrefix(
                "RTSP/1.0 200 OK\r\nCSeq: 5\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\nSession: ")
        )
        // A publisher cannot also play.
        #expect(
            try Self.ask(channel, "DESCRIBE rtsp://127.0.0.1/live RTSP/1.0\r\nCSeq: 6\r\n\r\n").hasPrefix(
                "RTSP/1.0 455"))
        #expect(channel.isActive)
    }

    @Test func unreadableSDPAndGarbageAreRefused() throws {
        let channel = try Self.channel()
        let bad = try Self.ask(
            channel, "ANNOUNCE rtsp://127.0.0.1/live RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 5\r\n\r\nhello")
        #expect(bad.hasPrefix("RTSP/1.0 400"))
        let noTracks = "v=0\r\nm=video 0 RTP/AVP 33\r\na=rtpmap:33 MP2T/90000\r\n"
        let refused = try Self.ask(
            channel,
            "ANNOUNCE rtsp://127.0.0.1/live RTSP/1.0\r\nCSeq: 2\r\nContent-Length: \(noTracks.utf8.count)\r\n\r\n\(noTracks)"
        )
        #expect(refused.hasPrefix("RTSP/1.0 415"))
        let garbage = try Self.ask(channel, "\u{1}\u{2}\u{3}")
        #expect(garbage.hasPrefix("RTSP/1.0 400"))
        #expect(!channel.isActive)
    }
}
