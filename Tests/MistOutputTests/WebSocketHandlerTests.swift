import Logging
import MistNet
import NIOCore
import NIOEmbedded
import Testing

@testable import MistOutput

/// The WebSocket side of the HTTP port, byte for byte: RFC 6455's handshake example, the frames
/// this server writes, and what a connection does with a peer's frames (text to the session,
/// pings answered, a close echoed, unmasked or oversized frames refused with their status codes).
@Suite struct WebSocketHandlerTests {
    final class Recorder: WebSocketSession {
        var texts: [String] = []
        var didClose = false
        func start() {}
        func received(text: String) { texts.append(text) }
        func writabilityChanged() {}
        func closed() { didClose = true }
    }

    static func channel() throws -> (EmbeddedChannel, Recorder) {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let recorder = Recorder()
        try channel.pipeline.syncOperations.addHandlers(
            WebSocketHandler.handlers(
                connection: ChannelConnection(channel: channel), session: recorder, logger: Logger(label: "test")))
        return (channel, recorder)
    }

    /// A client's frame: masked (unless `masked` is false) with a fixed key.
    static func clientFrame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true) -> ByteBuffer {
        let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let mask: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            bytes.append(mask | UInt8(payload.count))
        } else {
            bytes += [mask | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        if masked {
            bytes += key
            bytes += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        } else {
            bytes += payload
        }
        return ByteBuffer(bytes: bytes)
    }

    static func written(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += Array(buffer: buffer) }
        return bytes
    }

    @Test func theHandshakeAcceptsRFC6455sExample() throws {
        #expect(WebSocketHandshake.accept(key: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let head = HTTPRequestHead(
            method: "GET", target: "/live.mp4", version: "HTTP/1.1",
            headers: [
                ("host", "x"), ("upgrade", "websocket"), ("connection", "keep-alive, Upgrade"),
                ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="), ("sec-websocket-version", "13"),
            ])
        #expect(WebSocketHandshake.isRequested(head))
        let response = String(decoding: try WebSocketHandshake.response(to: head), as: UTF8.self)
        #expect(
            response == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
        var old = head
        old.headers[4].value = "8"
        #expect(throws: WebSocketHandshake.Refusal.self) { try WebSocketHandshake.response(to: old) }
        var short = head
        short.headers[3].value = "c2hvcnQ="
        #expect(throws: WebSocketHandshake.Refusal.self) { try WebSocketHandshake.response(to: short) }
    }

    @Test func framesThisServerWritesUseTheShortestLength() {
        #expect(WebSocketFrameHeader.bytes(opcode: 1, length: 5) == [0x81, 5])
        #expect(WebSocketFrameHeader.bytes(opcode: 2, length: 126) == [0x82, 126, 0, 126])
        #expect(WebSocketFrameHeader.bytes(opcode: 2, length: 70000) == [0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70])
        #expect(WebSocketFrameHeader.close(code: 1002) == [0x88, 2, 0x03, 0xEA])
    }

    @Test func textGoesToTheSessionAndPingsArePonged() throws {
        let (channel, recorder) = try Self.channel()
        try channel.writeInbound(Self.clientFrame(opcode: 1, Array("{\"type\":".utf8), fin: false))
        try channel.writeInbound(Self.clientFrame(opcode: 0, Array("\"play\"}".utf8)))
        #expect(recorder.texts == ["{\"type\":\"play\"}"])
        try channel.writeInbound(Self.clientFrame(opcode: 9, [1, 2, 3]))
        #expect(try Self.written(channel) == [0x8A, 3, 1, 2, 3])
        try channel.writeInbound(Self.clientFrame(opcode: 8, [0x03, 0xE8]))
        #expect(try Self.written(channel) == [0x88, 2, 0x03, 0xE8])
        #expect(!channel.isActive && recorder.didClose)
    }

    @Test func anUnmaskedFrameIsRefusedWith1002() throws {
        let (channel, recorder) = try Self.channel()
        try channel.writeInbound(Self.clientFrame(opcode: 1, Array("hi".utf8), masked: false))
        let written = try Self.written(channel)
        #expect(Array(written.prefix(4)) == [0x88, written[1], 0x03, 0xEA], "\(written)")
        #expect(recorder.texts.isEmpty && !channel.isActive)
    }

    @Test func anOversizedFrameIsRefusedWith1009() throws {
        let (channel, recorder) = try Self.channel()
        // A header announcing 16 MiB: refused before any of it arrives.
        try? channel.writeInbound(ByteBuffer(bytes: [0x81, 0xFF, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3, 4]))
        let written = try Self.written(channel)
        #expect(written.count >= 4 && Array(written[2...3]) == [0x03, 0xF1], "\(written)")
        #expect(recorder.texts.isEmpty && !channel.isActive)
    }
}
