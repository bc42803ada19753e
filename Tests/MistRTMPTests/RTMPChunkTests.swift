import Testing

@testable import MistRTMP

func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count - 1, by: 2).compactMap { UInt8(String(digits[$0...($0 + 1)]), radix: 16) }
}

@Suite struct RTMPChunkTests {
    @Test func decodesEveryHeaderFormat() throws {
        var decoder = RTMPChunkDecoder()
        // fmt 0 on chunk stream 4: timestamp 1000, 3 bytes, video, message stream 1 (little-endian).
        decoder.append(hex("04 0003e8 000003 09 01000000 aabbcc"))
        // fmt 1: +40 ms, 2 bytes, audio (stream id kept).
        decoder.append(hex("44 000028 000002 08 1122"))
        // fmt 2: +20 ms, same length and type.
        decoder.append(hex("84 000014 3344"))
        // fmt 3: a new message with the last delta again.
        decoder.append(hex("c4 5566"))
        var messages: [RTMPMessage] = []
        while let message = try decoder.nextMessage() { messages.append(message) }
        #expect(messages.map(\.timestamp) == [1000, 1040, 1060, 1080])
        #expect(messages.map(\.type) == [9, 8, 8, 8])
        #expect(messages.map(\.streamID) == [1, 1, 1, 1])
        #expect(messages.map(\.payload) == [hex("aabbcc"), hex("1122"), hex("3344"), hex("5566")])
    }

    @Test func reassemblesChunksAndFollowsTheChunkSize() throws {
        var decoder = RTMPChunkDecoder()
        // Set Chunk Size 4 on chunk stream 2.
        decoder.append(hex("02 000000 000004 01 00000000 00000004"))
        #expect(try decoder.nextMessage()?.type == 1)
        #expect(decoder.chunkSize == 4)
        // A 6-byte message in chunks of 4 + 2, with an extended timestamp repeated on the fmt 3 chunk.
        let bytes = hex("05 ffffff 000006 14 00000000 01020304 01020304 c5 01020304 0506")
        for byte in bytes { decoder.append([byte]) }  // one byte at a time
        let message = try #require(try decoder.nextMessage())
        #expect(message.timestamp == 0x0102_0304)
        #expect(message.payload == hex("010203040506"))
        #expect(try decoder.nextMessage() == nil)
    }

    @Test func encoderOutputDecodesBack() throws {
        for chunkSize in [1, 7, 128, 4096] {
            var encoder = RTMPChunkEncoder()
            encoder.setChunkSize(chunkSize)
            var decoder = RTMPChunkDecoder()
            decoder.append(
                hex("02 000000 000004 01 00000000") + [0, 0, UInt8(chunkSize >> 8), UInt8(chunkSize & 0xFF)])
            _ = try decoder.nextMessage()
            var out: [UInt8] = []
            let messages = [
                RTMPMessage(type: 9, streamID: 1, timestamp: 5, payload: (0..<1000).map { UInt8($0 & 0xFF) }),
                RTMPMessage(type: 8, streamID: 1, timestamp: 0x0100_0000, payload: [1, 2, 3]),
                RTMPMessage(type: 20, streamID: 0, timestamp: 0, payload: []),
            ]
            for (index, message) in messages.enumerated() {
                encoder.encode(message, chunkStream: index == 0 ? 70 : 400, into: &out)
            }
            decoder.append(out)
            var decoded: [RTMPMessage] = []
            while let message = try decoder.nextMessage() { decoded.append(message) }
            #expect(decoded == messages, "chunk size \(chunkSize)")
        }
        // The first chunk of a small message, byte for byte.
        var out: [UInt8] = []
        RTMPChunkEncoder().encode(
            RTMPMessage(type: 8, streamID: 1, timestamp: 40, payload: [0xAF]), chunkStream: 4, into: &out)
        #expect(out == hex("04 000028 000001 08 01000000 af"))
    }

    @Test func aHeaderInTheMiddleOfAMessageStartsANewOne() throws {
        var decoder = RTMPChunkDecoder()
        decoder.append(hex("02 000000 000004 01 00000000 00000002"))
        _ = try decoder.nextMessage()
        // Two bytes of a four-byte message, then a fresh 1-byte message on the same chunk stream.
        decoder.append(hex("04 000000 000004 09 00000000 aabb 44 000005 000001 08 cc"))
        let message = try #require(try decoder.nextMessage())
        #expect(message.payload == [0xCC] && message.type == 8 && message.timestamp == 5)
    }

    @Test func hostileInputIsRefused() {
        var decoder = RTMPChunkDecoder()
        decoder.append(hex("c7 00"))
        #expect(throws: RTMPError.continuationWithoutStart(chunkStream: 7)) { try decoder.nextMessage() }
        decoder = RTMPChunkDecoder()
        decoder.append(hex("04 000000 ffffff 09 00000000"))
        #expect(throws: RTMPError.messageTooLarge(0xFF_FFFF)) { try decoder.nextMessage() }
        decoder = RTMPChunkDecoder()
        decoder.append(hex("04 000000 000002 09 00000000 01"))
        #expect((try? decoder.nextMessage()) == .some(nil))  // waits for the rest of the chunk
        decoder = RTMPChunkDecoder()
        decoder.append(hex("02 000000 000004 01 00000000 00000000"))
        #expect(throws: RTMPError.badChunkSize(0)) { try decoder.nextMessage() }
        // Chunks of one byte, each starting a two-byte message on a new chunk stream.
        decoder = RTMPChunkDecoder()
        decoder.append(hex("02 000000 000004 01 00000000 00000001"))
        for id in 0..<70 { decoder.append([0x00, UInt8(id), 0, 0, 0, 0, 0, 2, 9, 0, 0, 0, 0, 1]) }
        #expect(throws: RTMPError.tooManyChunkStreams) {
            while try decoder.nextMessage() != nil {}
        }
    }
}

@Suite struct RTMPChunkLimitTests {
    /// A format-0 chunk header on chunk stream `id` announcing a message of `length` bytes, then
    /// the first 128 bytes of it.
    static func start(_ id: UInt8, length: Int) -> [UInt8] {
        [
            id, 0, 0, 0, UInt8(length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length),
            9,
            1, 0, 0, 0,
        ] + [UInt8](repeating: 0, count: 128)
    }

    @Test func messagesInProgressOnAllChunkStreamsTogetherAreBounded() throws {
        var decoder = RTMPChunkDecoder()
        // Two messages of 8 MiB in progress fill the allowance; a third is refused.
        decoder.append(Self.start(3, length: 8 << 20) + Self.start(4, length: 8 << 20))
        #expect(try decoder.nextMessage() == nil)
        decoder.append(Self.start(5, length: 1000))
        #expect(throws: RTMPError.self) { try decoder.nextMessage() }
    }
}
