import Foundation
import Logging
import MistTLS
import NIOCore
import NIOEmbedded
import TLSTestSupport
import Testing

@testable import MistOutput

/// The TLS handler at the head of a pipeline, on an embedded channel against a client engine:
/// a handshake, plaintext both ways in order (with writes made before the handshake held back
/// until it ends), close_notify on close, and garbage or a silent peer ending only that channel.
@Suite struct TLSHandlerTests {
    /// Echoes what it reads, upper-cased, and keeps a copy.
    final class Echo: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var received: [UInt8] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            received += bytes
            let answer = bytes.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: answer)), promise: nil)
        }
    }

    struct Setup {
        let channel: EmbeddedChannel
        let echo: Echo
        let client: TLSEngine
        let folder: URL
    }

    static func setup(_ name: String) throws -> Setup {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mist-tlsh-\(name)-\(getpid())")
        let certificates = try TestCertificates(folder: folder)
        let issued = try certificates.issue("server")
        let context = try TLSContext.server([TLSCertificatePair(certificate: issued.certificate, key: issued.key)])
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let echo = Echo()
        try channel.pipeline.syncOperations.addHandler(
            TLSHandler(engine: TLSEngine(context: context), logger: Logger(label: "test")))
        try channel.pipeline.syncOperations.addHandler(echo)
        let client = try TLSEngine(
            context: TLSContext.client(caFile: certificates.authority), serverName: "localhost")
        return Setup(channel: channel, echo: echo, client: client, folder: folder)
    }

    /// What the server wrote, handed to the client engine.
    static func deliver(_ channel: EmbeddedChannel, to client: TLSEngine) throws {
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            buffer.withUnsafeReadableBytes { client.receive($0) }
        }
    }

    static func handshake(_ setup: Setup) throws {
        for _ in 0..<10 where try !setup.client.handshake() {
            let hello = setup.client.takeOutput()
            if !hello.isEmpty { try setup.channel.writeInbound(setup.channel.allocator.buffer(bytes: hello)) }
            try deliver(setup.channel, to: setup.client)
        }
        let finished = setup.client.takeOutput()
        if !finished.isEmpty { try setup.channel.writeInbound(setup.channel.allocator.buffer(bytes: finished)) }
    }

    static func plaintext(from client: TLSEngine) throws -> [UInt8] {
        var out: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 65536)
        while case .bytes(let count) = try scratch.withUnsafeMutableBytes({ try client.read(into: $0) }) {
            out += scratch[0..<count]
        }
        return out
    }

    @Test func plaintextFlowsBothWaysAndCloseSendsCloseNotify() throws {
        let setup = try Self.setup("flow")
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        try Self.handshake(setup)
        #expect(try setup.client.handshake())

        for message in ["hello ", "over ", String(repeating: "tls ", count: 20_000)] {
            try Array(message.utf8).withUnsafeBytes { try setup.client.write($0) }
            try setup.channel.writeInbound(setup.channel.allocator.buffer(bytes: setup.client.takeOutput()))
        }
        let sent = "hello over " + String(repeating: "tls ", count: 20_000)
        #expect(setup.echo.received == Array(sent.utf8))
        try Self.deliver(setup.channel, to: setup.client)
        #expect(try Self.plaintext(from: setup.client) == Array(sent.uppercased().utf8))

        _ = try setup.channel.close().wait()
        try Self.deliver(setup.channel, to: setup.client)
        var scratch = [UInt8](repeating: 0, count: 16)
        #expect(try scratch.withUnsafeMutableBytes { try setup.client.read(into: $0) } == .closed)
    }

    @Test func writesBeforeTheHandshakeWaitForIt() throws {
        let setup = try Self.setup("early")
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        // A protocol that speaks first (a greeting) before the client's hello arrived.
        setup.channel.writeAndFlush(setup.channel.allocator.buffer(string: "greeting"), promise: nil)
        #expect(try setup.channel.readOutbound(as: ByteBuffer.self) == nil)
        try Self.handshake(setup)
        try Self.deliver(setup.channel, to: setup.client)
        #expect(try Self.plaintext(from: setup.client) == Array("greeting".utf8))
    }

    @Test func garbageEndsOnlyThatChannel() throws {
        let setup = try Self.setup("garbage")
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        try setup.channel.writeInbound(setup.channel.allocator.buffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(setup.echo.received.isEmpty)
        #expect(!setup.channel.isActive)
    }

    @Test func aPeerThatNeverFinishesItsHandshakeIsDropped() throws {
        let setup = try Self.setup("silent")
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        setup.channel.embeddedEventLoop.advanceTime(by: .seconds(TLSHandler.handshakeSeconds - 1))
        #expect(setup.channel.isActive)
        setup.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!setup.channel.isActive)
    }
}
