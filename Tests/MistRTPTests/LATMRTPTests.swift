import MistRTP
import Testing

/// RFC 3016 MP4A-LATM as ffmpeg's `-rtpflags latm` writes it: the StreamMuxConfig of its SDP,
/// frames with their length prefix, an element spread over packets, and what is refused.
@Suite struct LATMRTPTests {
    static func packet(_ payload: [UInt8], sequence: UInt16, marker: Bool = true) -> RTPPacket {
        RTPPacket(
            marker: marker, payloadType: 97, sequenceNumber: sequence, timestamp: 0, ssrc: 1, payload: payload[...])
    }

    @Test func theAudioSpecificConfigComesOutOfFFmpegsStreamMuxConfig() throws {
        // `config=400024203fc0`: AAC-LC, 44.1 kHz, stereo; `400023103fc0`: 48 kHz mono.
        #expect(
            try LATMRTPDepacketizer(streamMuxConfig: [0x40, 0x00, 0x24, 0x20, 0x3F, 0xC0]).audioSpecificConfig
                == [0x12, 0x10])
        let mono = try LATMRTPDepacketizer(streamMuxConfig: [0x40, 0x00, 0x23, 0x10, 0x3F, 0xC0])
        #expect(mono.audioSpecificConfig == [0x11, 0x88] && mono.framesPerElement == 1)
    }

    @Test func framesCarryTheirLengthsAndMaySpanPackets() throws {
        var depacketizer = try LATMRTPDepacketizer(streamMuxConfig: [0x40, 0x00, 0x24, 0x20, 0x3F, 0xC0])
        let small = (0..<10).map { UInt8($0) }
        #expect(try depacketizer.push(Self.packet([10] + small, sequence: 1)) == [small])
        // 600 bytes: 255 + 255 + 90, split over three packets.
        let big = (0..<600).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let element = [255, 255, 90] + big
        #expect(try depacketizer.push(Self.packet(Array(element[0..<200]), sequence: 2, marker: false)).isEmpty)
        #expect(try depacketizer.push(Self.packet(Array(element[200..<400]), sequence: 3, marker: false)).isEmpty)
        #expect(try depacketizer.push(Self.packet(Array(element[400...]), sequence: 4)) == [big])
        // A lost middle packet loses that element only.
        #expect(try depacketizer.push(Self.packet(Array(element[0..<200]), sequence: 5, marker: false)).isEmpty)
        #expect(try depacketizer.push(Self.packet(Array(element[400...]), sequence: 7)).isEmpty)
        #expect(try depacketizer.push(Self.packet([10] + small, sequence: 8)) == [small])
    }

    @Test func brokenConfigsAndLengthsAreRefused() throws {
        // audioMuxVersion 1, several programs, a config cut short.
        #expect(throws: RTPError.self) { try LATMRTPDepacketizer(streamMuxConfig: [0xC0, 0x00, 0x24, 0x20]) }
        #expect(throws: RTPError.self) { try LATMRTPDepacketizer(streamMuxConfig: [0x40, 0x08, 0x24, 0x20, 0x3F]) }
        #expect(throws: RTPError.self) { try LATMRTPDepacketizer(streamMuxConfig: [0x40, 0x00]) }
        var depacketizer = try LATMRTPDepacketizer(streamMuxConfig: [0x40, 0x00, 0x24, 0x20, 0x3F, 0xC0])
        #expect(throws: RTPError.self) { try depacketizer.push(Self.packet([40, 1, 2, 3], sequence: 1)) }
        #expect(throws: RTPError.self) { try depacketizer.push(Self.packet([255, 255], sequence: 2)) }
        #expect(try depacketizer.push(Self.packet([2, 9, 9], sequence: 3)) == [[9, 9]])
    }
}
