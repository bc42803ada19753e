import Logging
import MistNet
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import MistOutput

/// The request-head limits in front of NIOHTTP1's decoder, byte for byte on an embedded channel:
/// a head over 64 KiB gets 431, one that does not finish within the deadline 408, a keep-alive
/// connection idle too long is closed, and a whole head passes to the decoder.
@Suite struct HTTPHeadGuardTests {
    /// A channel with the guard and NIOHTTP1's decoder; what reaches the handler is collected.
    final class Collector: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        var parts: [HTTPServerRequestPart] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { parts.append(unwrapInboundIn(data)) }
    }

    static func channel() throws -> (EmbeddedChannel, HTTPHeadGuard, Collector) {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let headGuard = HTTPHeadGuard(
            connection: ChannelConnection(channel: channel), headSeconds: 10, idleSeconds: 30)
        let collector = Collector()
        try channel.pipeline.syncOperations.addHandler(headGuard)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))
        try channel.pipeline.syncOperations.addHandler(collector)
        return (channel, headGuard, collector)
    }

    static func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func aWholeHeadReachesTheDecoder() throws {
        let (channel, _, collector) = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "GET /live.ts?a=b HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n"))
        guard case .head(let head) = collector.parts.first else {
            Issue.record("no head")
            return
        }
        let ours = HTTPOutputHandler.head(head)
        #expect(ours.method == "GET" && ours.path == "/live.ts" && ours.query == "a=b" && ours.version == "HTTP/1.1")
        #expect(ours.header("user-agent") == "t" && ours.keepAlive)
        #expect(try Self.written(channel).isEmpty && channel.isActive)
    }

    @Test func aHeadOver64KiBGets431() throws {
        let (channel, _, collector) = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n"))
        let line = "X-Filler: " + String(repeating: "a", count: 1000) + "\r\n"
        for _ in 0..<70 { try? channel.writeInbound(ByteBuffer(string: line)) }
        let text = try Self.written(channel)
        #expect(text.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        #expect(text.hasSuffix("\r\n\r\nrequest head too large\n"))
        #expect(collector.parts.isEmpty && !channel.isActive)
    }

    @Test func aHeadThatDoesNotFinishInTimeGets408() throws {
        let (channel, _, _) = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(try Self.written(channel).isEmpty && channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(try Self.written(channel).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(!channel.isActive)
    }

    @Test func anIdleConnectionIsClosedButNotOneBeingAnswered() throws {
        let (channel, headGuard, _) = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        headGuard.headArrived()
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive, "a request being answered has no deadline")
        headGuard.awaitingNextRequest()
        channel.embeddedEventLoop.advanceTime(by: .seconds(31))
        #expect(!channel.isActive)
    }
}
