import MistData
import MistMedia
import MistRTMP
import NIOCore
import NIOEmbedded
import Testing

@testable import MistOutput

/// The protocol codecs as channel handlers, byte for byte on embedded channels: RTMP's handshake
/// and chunking both ways, and DTSC's framing.
@Suite struct CodecHandlerTests {
    static func connect(chunkSize: Int = 128) -> (message: RTMPMessage, bytes: [UInt8]) {
        // Long enough to span several 128-byte chunks.
        let message = RTMPMessage(
            type: RTMPMessage.Kind.commandAMF0, streamID: 0, timestamp: 0,
            payload: AMF0.encode([
                .string("connect"), .number(1),
                .object([
                    ("app", .string("live")), ("tcUrl", .string("rtmp://h/" + String(repeating: "x", count: 300))),
                ]),
            ]))
        var encoder = RTMPChunkEncoder()
        encoder.setChunkSize(chunkSize)
        var bytes: [UInt8] = []
        encoder.encode(message, chunkStream: 3, into: &bytes)
        return (message, bytes)
    }

    @Test func theHandshakeIsAnsweredAndTheChunksAfterItBecomeMessages() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RTMPHandshakeHandler())
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RTMPChunkDecoderHandler()))
        let c0c1 = [UInt8(3)] + [UInt8](repeating: 7, count: RTMPHandshake.size)
        try channel.writeInbound(ByteBuffer(bytes: c0c1))
        var answer = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(answer.readableBytes == 1 + 2 * RTMPHandshake.size && answer.readInteger(as: UInt8.self) == 3)
        let (message, chunks) = Self.connect()
        #expect(chunks.count > 2 * 128, "the command spans several chunks")
        // C2 and the first command arrive together, then the rest a byte at a time.
        let c2 = [UInt8](repeating: 9, count: RTMPHandshake.size)
        try channel.writeInbound(ByteBuffer(bytes: c2 + chunks.prefix(10)))
        for byte in chunks.dropFirst(10) { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        #expect(try channel.readInbound(as: RTMPMessage.self) == message)
        #expect(try channel.readInbound(as: RTMPMessage.self) == nil)
        // The handshake handler has left the pipeline.
        #expect((try? channel.pipeline.syncOperations.handler(type: RTMPHandshakeHandler.self)) == nil)
    }

    @Test func aMalformedChunkStreamIsAnErrorNotATrap() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RTMPChunkDecoderHandler()))
        // A message header announcing 16 MiB, over the decoder's limit.
        let header: [UInt8] = [0x03, 0, 0, 0, 0xFF, 0xFF, 0xFF, 20, 0, 0, 0, 0]
        #expect(throws: (any Error).self) { try channel.writeInbound(ByteBuffer(bytes: header)) }
    }

    @Test func messagesAreChunkedAtTheAnnouncedSizeAndChunkedBytesPassUntouched() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RTMPChunkEncoderHandler())
        let announce = RTMPControl.setChunkSize(4096)
        let video = RTMPMessage(
            type: RTMPMessage.Kind.video, streamID: 1, timestamp: 40,
            payload: (0..<5000).map { UInt8(truncatingIfNeeded: $0) })
        try channel.writeOutbound(RTMPOutgoing.message(announce, chunkStream: 2))
        try channel.writeOutbound(RTMPOutgoing.message(video, chunkStream: 6))
        let shared = ByteBuffer(bytes: [1, 2, 3])
        try channel.writeOutbound(RTMPOutgoing.chunked(shared))
        var expected: [UInt8] = []
        var encoder = RTMPChunkEncoder()
        encoder.encode(announce, chunkStream: 2, into: &expected)
        var first = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(first.readBytes(length: first.readableBytes) == expected)
        encoder.setChunkSize(4096)
        expected = []
        encoder.encode(video, chunkStream: 6, into: &expected)
        var second = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(second.readBytes(length: second.readableBytes) == expected)
        #expect(expected.count == 12 + 5000 + 1, "one continuation header at 4096 bytes")
        let passed = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let sameStorage = passed.withUnsafeReadableBytes { a in
            shared.withUnsafeReadableBytes { $0.baseAddress == a.baseAddress }
        }
        #expect(passed == shared && sameStorage)
    }

    @Test func dtscFramesArriveWholeWhateverTheReadsAre() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DTSCFrameDecoder()))
        let frames = try [
            DTSCFrameWriter.frame(.command, object: ["cmd": "play", "stream": "live"]),
            DTSCFrameWriter.frame(.command, object: ["cmd": "ping"]),
        ]
        let bytes = frames.flatMap { $0 }
        for piece in stride(from: 0, to: bytes.count, by: 7) {
            try channel.writeInbound(ByteBuffer(bytes: bytes[piece..<min(bytes.count, piece + 7)]))
        }
        for frame in frames {
            var read = try #require(try channel.readInbound(as: ByteBuffer.self))
            #expect(read.readBytes(length: read.readableBytes) == frame)
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(throws: (any Error).self) { try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n")) }
    }

    @Test func aDTSCFrameOverTheLimitIsRefused() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DTSCFrameDecoder(maximumFrameLength: 64)))
        let frame = try DTSCFrameWriter.frame(.command, object: ["cmd": .string(String(repeating: "x", count: 100))])
        #expect(throws: (any Error).self) { try channel.writeInbound(ByteBuffer(bytes: frame)) }
    }
}

/// Numbers a player sends become positions without trapping: one MistOutRTMP serves every
/// player, so `seek` with `inf` must not end them all.
@Suite struct RTMPPositionTests {
    static let cases: [(Double, UInt64)] = [
        (.infinity, 1_000_000_000_000_000), (-.infinity, 0), (.nan, 0), (-5, 0), (1e300, 1_000_000_000_000_000),
        (1500.7, 1500),
    ]

    @Test func positionsAreClamped() {
        for (value, expected) in Self.cases { #expect(RTMPOutputHandler.milliseconds(value) == expected, "\(value)") }
    }
}
