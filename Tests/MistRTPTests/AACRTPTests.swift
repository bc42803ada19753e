import MistRTP
import Testing

/// RFC 3640 AAC-hbr both ways, byte for byte: AU headers, several frames in a packet, a frame
/// cut into fragments, and broken headers.
@Suite struct AACRTPTests {
    static func frame(_ size: Int, _ seed: Int) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: $0 + seed) } }

    @Test func framesShareAPacketWithAHeaderEach() throws {
        let frames = [Self.frame(300, 1), Self.frame(301, 2)]
        let payloads = AACRTPPacketizer(maximumPayload: 1200).payloads(frames.map { $0[...] })
        #expect(payloads.count == 1 && payloads[0].marker)
        // 32 bits of headers; 300 << 3 = 0x0960, 301 << 3 = 0x0968.
        #expect(Array(payloads[0].payload.prefix(6)) == [0x00, 0x20, 0x09, 0x60, 0x09, 0x68])
        var depacketizer = AACRTPDepacketizer()
        let packet = RTPPacket(
            marker: true, payloadType: 97, sequenceNumber: 1, timestamp: 0, ssrc: 1, payload: payloads[0].payload[...])
        #expect(try depacketizer.push(packet) == frames)
    }

    @Test func aLargeFrameTravelsInFragments() throws {
        let big = Self.frame(3000, 7)
        let payloads = AACRTPPacketizer(maximumPayload: 1000).payloads([big[...], Self.frame(10, 3)[...]])
        #expect(payloads.count == 5)
        #expect(payloads.map(\.marker) == [false, false, false, true, true])
        var depacketizer = AACRTPDepacketizer(fmtp: ["mode": "AAC-hbr", "sizelength": "13", "indexlength": "3"])
        var out: [[UInt8]] = []
        for (index, (payload, marker)) in payloads.enumerated() {
            out += try depacketizer.push(
                RTPPacket(
                    marker: marker, payloadType: 97, sequenceNumber: UInt16(index), timestamp: index < 4 ? 0 : 1024,
                    ssrc: 1, payload: payload[...]))
        }
        #expect(out == [big, Self.frame(10, 3)])
        // A lost fragment loses that frame only.
        var lossy = AACRTPDepacketizer()
        var kept: [[UInt8]] = []
        for (index, (payload, marker)) in payloads.enumerated() where index != 1 {
            kept +=
                (try? lossy.push(
                    RTPPacket(
                        marker: marker, payloadType: 97, sequenceNumber: UInt16(index), timestamp: 0, ssrc: 1,
                        payload: payload[...]))) ?? []
        }
        #expect(kept == [Self.frame(10, 3)])
    }

    @Test func brokenHeadersAreTypedErrors() {
        var depacketizer = AACRTPDepacketizer()
        var sequence: UInt16 = 0
        func push(_ payload: [UInt8]) throws(RTPError) -> [[UInt8]] {
            sequence += 1
            return try depacketizer.push(
                RTPPacket(
                    marker: true, payloadType: 97, sequenceNumber: sequence, timestamp: 0, ssrc: 1,
                    payload: payload[...]))
        }
        #expect(throws: RTPError.self) { try push([0]) }
        #expect(throws: RTPError.self) { try push([0xFF, 0xFF, 1]) }  // headers past the end
        #expect(throws: RTPError.self) { try push([0x00, 0x10, 0x00, 0x50, 1, 2]) }  // AU of 10, 2 bytes, ends
        // Two AUs whose sizes run past the end.
        #expect(throws: RTPError.self) { try push([0x00, 0x20, 0x00, 0x10, 0x00, 0x50, 1, 2, 3]) }
    }
}
