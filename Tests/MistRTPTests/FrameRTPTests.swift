import MistMedia
import Testing

@testable import MistRTP

@Suite struct FrameRTPTests {
    /// The start of a VP8 keyframe libvpx made (320x240), then bytes that count up.
    static let vp8Keyframe: [UInt8] =
        [0xB0, 0x5A, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xF0, 0x00]
        + (0..<3000).map {
            UInt8(truncatingIfNeeded: $0)
        }
    /// The start of a VP9 keyframe libvpx-vp9 made (320x240, profile 0).
    static let vp9Keyframe: [UInt8] =
        [0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xF0, 0x0E, 0xF6, 0x08]
        + (0..<2500).map {
            UInt8(truncatingIfNeeded: $0 * 7)
        }
    /// libaom's sequence header OBU for 640x360 4:2:0 (profile 0, level 1), with its size field.
    static let av1SequenceHeader: [UInt8] = [
        0x0A, 0x0B, 0x00, 0x00, 0x00, 0x0C, 0xC4, 0xFF, 0x67, 0x36, 0xBE, 0x40, 0x10,
    ]

    static func packets(_ payloads: [[UInt8]], timestamp: UInt32, firstSequence: UInt16 = 100) -> [RTPPacket] {
        payloads.enumerated().map { index, payload in
            RTPPacket(
                marker: index == payloads.count - 1, payloadType: 96, sequenceNumber: firstSequence &+ UInt16(index),
                timestamp: timestamp, ssrc: 1, payload: payload[...])
        }
    }

    @Test func frameHeadersGiveKeyframesAndSizes() throws {
        #expect(
            try VPxFrameHeader.vp8(Self.vp8Keyframe[...]) == VPxFrameHeader(keyframe: true, width: 320, height: 240))
        #expect(try VPxFrameHeader.vp8([0x31, 0, 0][...]).keyframe == false)
        #expect(
            try VPxFrameHeader.vp9(Self.vp9Keyframe[...]) == VPxFrameHeader(keyframe: true, width: 320, height: 240))
        // An inter frame (frame_type 1).
        #expect(try VPxFrameHeader.vp9([0x86, 0x00][...]).keyframe == false)
        #expect(throws: MediaError.self) { try VPxFrameHeader.vp8([0x10, 0, 0, 1, 2][...]) }
        #expect(throws: MediaError.self) { try VPxFrameHeader.vp9([0x02][...]) }
    }

    /// The sequence header's av1C is the one ffmpeg writes into MP4 for the same stream.
    @Test func av1SequenceHeaderMakesTheConfigurationRecord() throws {
        let obu = try AV1OBU.read(Self.av1SequenceHeader[...])
        let header = try AV1SequenceHeader(obu)
        #expect(header.width == 640 && header.height == 360)
        #expect(header.configurationRecord == [0x81, 0x01, 0x0C, 0x00] + Self.av1SequenceHeader)
        // Profile 1 (4:4:4) from libaom at 320x240.
        let profile1: [UInt8] = [
            0x0A, 0x0D, 0x20, 0x00, 0x00, 0x04, 0x3C, 0xFF, 0xBC, 0xDA, 0xF9, 0x20, 0x21, 0xA0, 0x04,
        ]
        let other = try AV1SequenceHeader(try AV1OBU.read(profile1[...]))
        #expect(other.configurationRecord == [0x81, 0x20, 0x00, 0x00] + profile1)
        #expect(other.width == 320 && other.height == 240)
        #expect(throws: MediaError.self) { try AV1SequenceHeader(try AV1OBU.read([0x0A, 0x01, 0xE0][...])) }
    }

    /// VP8: a 4-byte descriptor (X, S on the first piece, a 15-bit picture ID that counts frames).
    @Test func vp8PacketizesWithPictureIDsAndReadsBack() throws {
        var packetizer = FrameRTPPacketizer(format: .vp8, maximumPayload: 1004)
        let first = packetizer.payloads(Self.vp8Keyframe[...], keyframe: true)
        #expect(first.count == 4)
        #expect(first.allSatisfy { $0.count <= 1004 })
        #expect(first[0][0] == 0x90 && first[1][0] == 0x80 && first[0][1] == 0x80)
        let id = UInt16(first[0][2] & 0x7F) << 8 | UInt16(first[0][3])
        #expect(first[0][2] & 0x80 != 0)
        #expect(
            first.dropFirst(4).isEmpty && first.map { Array($0[2...3]) }.allSatisfy { $0 == Array(first[0][2...3]) })
        let second = packetizer.payloads([0x31, 1, 2, 3][...], keyframe: false)
        #expect(
            second == [
                [0x90, 0x80, UInt8(0x80 | ((id + 1) & 0x7FFF) >> 8), UInt8(truncatingIfNeeded: id + 1), 0x31, 1, 2, 3]
            ])
        #expect(first.reduce(0) { $0 + $1.count - 4 } == Self.vp8Keyframe.count)

        var depacketizer = FrameRTPDepacketizer(format: .vp8)
        var frames: [FrameRTPDepacketizer.Frame] = []
        for packet in Self.packets(first, timestamp: 9000) + Self.packets(second, timestamp: 12000, firstSequence: 104)
        {
            frames += try depacketizer.push(packet)
        }
        #expect(frames.map(\.data) == [Self.vp8Keyframe, [0x31, 1, 2, 3]])
        #expect(frames.map(\.keyframe) == [true, false])
        #expect(frames.allSatisfy { !$0.damaged })
    }

    /// VP9: I, B and E flags; P on inter frames. A lost middle piece damages its frame only.
    @Test func vp9PacketizesAndALostPieceDamagesOneFrame() throws {
        var packetizer = FrameRTPPacketizer(format: .vp9, maximumPayload: 1003)
        let key = packetizer.payloads(Self.vp9Keyframe[...], keyframe: true)
        #expect(key.map { $0[0] } == [0x88, 0x80, 0x84])
        let inter = packetizer.payloads([0x86, 9, 9][...], keyframe: false)
        #expect(inter.map { $0[0] } == [0xCC])
        var depacketizer = FrameRTPDepacketizer(format: .vp9)
        var frames: [FrameRTPDepacketizer.Frame] = []
        var packets =
            Self.packets(key, timestamp: 1) + Self.packets(key, timestamp: 2, firstSequence: 103)
            + Self.packets(inter, timestamp: 3, firstSequence: 106)
        packets.remove(at: 4)  // the second frame's middle piece
        for packet in packets { frames += try depacketizer.push(packet) }
        #expect(frames.map(\.damaged) == [false, true, false])
        #expect(frames[0].data == Self.vp9Keyframe && frames[0].keyframe)
        #expect(frames[2].data == [0x86, 9, 9] && !frames[2].keyframe)
    }

    /// AV1: temporal delimiters dropped, size fields removed, a large OBU fragmented (Y, then Z),
    /// N on a keyframe's first packet; read back, every OBU has its size field again.
    @Test func av1FragmentsOBUsAndReadsThemBack() throws {
        let frameOBU = AV1OBU(type: AV1OBU.frame, header: [0x32][...], payload: (0..<2500).map { UInt8($0 % 251) }[...])
        let temporalUnit = [0x12, 0x00] + Self.av1SequenceHeader + frameOBU.sizedBytes
        var packetizer = FrameRTPPacketizer(format: .av1, maximumPayload: 1000)
        let payloads = packetizer.payloads(temporalUnit[...], keyframe: true)
        #expect(payloads.count == 3)
        #expect(payloads.allSatisfy { $0.count <= 1000 })
        #expect(payloads.map { $0[0] } == [0x48, 0xC0, 0x80])
        // The first element: the sequence header without its size field.
        #expect(Array(payloads[0][1...13]) == [12, 0x08] + Self.av1SequenceHeader[2...])

        var depacketizer = FrameRTPDepacketizer(format: .av1)
        var frames: [FrameRTPDepacketizer.Frame] = []
        for packet in Self.packets(payloads, timestamp: 5) { frames += try depacketizer.push(packet) }
        #expect(frames.count == 1)
        #expect(frames[0].data == Self.av1SequenceHeader + frameOBU.sizedBytes)
        #expect(frames[0].keyframe && !frames[0].damaged)

        // Without its first packet the frame is damaged: the fragment has no start.
        var late = FrameRTPDepacketizer(format: .av1)
        var lost: [FrameRTPDepacketizer.Frame] = []
        for packet in Self.packets(payloads, timestamp: 5).dropFirst(2) { lost += try late.push(packet) }
        #expect(lost.count == 1 && lost[0].damaged)
    }

    /// Bad descriptors and lengths throw; nothing traps.
    @Test func malformedPayloadsThrow() {
        for format in FrameRTPFormat.allCases {
            var depacketizer = FrameRTPDepacketizer(format: format)
            let bad: [[UInt8]] = [
                [], [0x80], [0x80, 0x80], [0xFF, 0xFF], [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            ]
            for (index, payload) in bad.enumerated() {
                let packet = RTPPacket(
                    marker: true, payloadType: 96, sequenceNumber: UInt16(index), timestamp: UInt32(index), ssrc: 1,
                    payload: payload[...])
                _ = try? depacketizer.push(packet)
            }
        }
        var av1 = FrameRTPDepacketizer(format: .av1)
        let overlong = RTPPacket(
            marker: true, payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: [0x00, 0x7F, 1][...])
        #expect(throws: RTPError.self) { try av1.push(overlong) }
    }
}
