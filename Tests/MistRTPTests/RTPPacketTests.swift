import MistRTP
import Testing

/// RTP headers byte for byte (RFC 3550): the fixed part, CSRCs, an extension, padding, and
/// every truncation a datagram can have.
@Suite struct RTPPacketTests {
    @Test func aPlainPacketReadsAndWritesTheSameBytes() throws {
        let bytes: [UInt8] = [
            0x80, 0xE0, 0x12, 0x34, 0x00, 0x01, 0x5F, 0x90, 0xDE, 0xAD, 0xBE, 0xEF, 0x65, 0x88, 0x84,
        ]
        let packet = try RTPPacket(parsing: bytes[...])
        #expect(packet.marker && packet.payloadType == 96)
        #expect(packet.sequenceNumber == 0x1234 && packet.timestamp == 90_000 && packet.ssrc == 0xDEAD_BEEF)
        #expect(Array(packet.payload) == [0x65, 0x88, 0x84])
        #expect(packet.bytes == bytes)
        #expect(packet.headerSize == 12)
    }

    @Test func csrcsAnExtensionAndPaddingAreRead() throws {
        let bytes: [UInt8] =
            [0xB2, 0x21, 0x00, 0x07, 0, 0, 0, 9, 0, 0, 0, 1]  // padding, extension, 2 CSRCs, PT 33
            + [0, 0, 0, 2, 0, 0, 0, 3]  // CSRCs
            + [0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0x00, 0x00]  // one-byte extension, 1 word
            + [0x47, 0x40] + [0x00, 0x00, 0x03]  // payload, then 3 bytes of padding
        let packet = try RTPPacket(parsing: bytes[...])
        #expect(!packet.marker && packet.payloadType == 33 && packet.sequenceNumber == 7 && packet.timestamp == 9)
        #expect(packet.csrcs == [2, 3])
        #expect(packet.extensionProfile == 0xBEDE && Array(packet.extensionData) == [0x10, 0xAA, 0, 0])
        #expect(Array(packet.payload) == [0x47, 0x40])
        // Written back without the padding.
        #expect(packet.bytes == Array(bytes[0..<30]).enumerated().map { $0.offset == 0 ? 0x92 : $0.element })
    }

    @Test func brokenHeadersAreTypedErrors() {
        #expect(throws: RTPError.truncated(needed: 12, have: 3)) { try RTPPacket(parsing: [0x80, 0, 0][...]) }
        #expect(throws: RTPError.badVersion(1)) { try RTPPacket(parsing: [UInt8](repeating: 0x40, count: 12)[...]) }
        // 15 CSRCs declared, none there.
        #expect(throws: RTPError.self) { try RTPPacket(parsing: ([0x8F] + [UInt8](repeating: 0, count: 11))[...]) }
        // An extension longer than the packet.
        #expect(throws: RTPError.self) {
            try RTPPacket(parsing: ([0x90] + [UInt8](repeating: 0, count: 11) + [0, 0, 0xFF, 0xFF])[...])
        }
        // Padding longer than the payload, and a padding count of 0.
        #expect(throws: RTPError.badPadding(200)) {
            try RTPPacket(parsing: ([0xA0] + [UInt8](repeating: 0, count: 11) + [1, 200])[...])
        }
        #expect(throws: RTPError.badPadding(0)) {
            try RTPPacket(parsing: ([0xA0] + [UInt8](repeating: 0, count: 11) + [1, 0])[...])
        }
    }

    @Test func aSliceOfALargerBufferIsReadInPlace() throws {
        let buffer: [UInt8] = [9, 9, 0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x41, 0x42, 7]
        let packet = try RTPPacket(parsing: buffer[2..<16])
        #expect(Array(packet.payload) == [0x41, 0x42] && packet.payload.startIndex == 14)
    }
}
