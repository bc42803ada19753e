import MistRTP
import Testing

@Suite struct HEVCRTPTests {
    /// An HEVC NAL unit of `type` with layer 0, temporal id 1, and `size` bytes in all.
    static func unit(_ type: UInt8, size: Int, fill: UInt8 = 0xAB) -> [UInt8] {
        [type << 1, 1] + [UInt8](repeating: fill, count: size - 2)
    }

    static func packets(_ payloads: [[UInt8]], timestamp: UInt32 = 9000) -> [RTPPacket] {
        payloads.enumerated().map { index, payload in
            RTPPacket(
                marker: index == payloads.count - 1, payloadType: 96, sequenceNumber: UInt16(100 + index),
                timestamp: timestamp, ssrc: 1, payload: payload[...])
        }
    }

    @Test func parameterSetsShareAnAggregationPacketAndALargeSliceIsFragmented() throws {
        let vps = Self.unit(32, size: 24)
        let sps = Self.unit(33, size: 40)
        let pps = Self.unit(34, size: 8)
        let slice = Self.unit(19, size: 3000, fill: 0x5C)
        let payloads = NALUnitRTPPacketizer(maximumPayload: 1200, format: .hevc).payloads([
            vps[...], sps[...], pps[...], slice[...],
        ])
        // AP: type 48 in the header, then each unit after its 16-bit size.
        #expect(payloads[0][0] >> 1 & 0x3F == 48 && payloads[0][1] == 1)
        #expect(Array(payloads[0][2..<4]) == [0, 24] && Array(payloads[0][4..<28]) == vps)
        // FU: type 49, then S (start) with the unit's type, E on the last.
        #expect(payloads[1][0] >> 1 & 0x3F == 49 && payloads[1][2] == 0x80 | 19)
        let last = try #require(payloads.last)
        #expect(last[2] == 0x40 | 19)
        #expect(payloads.allSatisfy { $0.count <= 1200 })
        var depacketizer = NALUnitRTPDepacketizer(format: .hevc)
        var units: [NALUnitRTPDepacketizer.AccessUnit] = []
        for packet in Self.packets(payloads) { units += try depacketizer.push(packet) }
        #expect(units.count == 1 && units[0].nals == [vps, sps, pps, slice] && !units[0].damaged)
    }

    @Test func aLostFragmentDamagesItsPictureAndBadPayloadsThrow() throws {
        let slice = Self.unit(1, size: 4000)
        var payloads = NALUnitRTPPacketizer(maximumPayload: 1000, format: .hevc).payloads([slice[...]])
        payloads.remove(at: 2)
        var depacketizer = NALUnitRTPDepacketizer(format: .hevc)
        var packets = Self.packets(payloads)
        for index in 2..<packets.count { packets[index].sequenceNumber &+= 1 }
        var units: [NALUnitRTPDepacketizer.AccessUnit] = []
        for packet in packets { units += try depacketizer.push(packet) }
        #expect(units.count == 1 && units[0].damaged)
        var fresh = NALUnitRTPDepacketizer(format: .hevc)
        for bad: [UInt8] in [[0x02], [48 << 1, 1, 0, 9, 1], [49 << 1, 1], [50 << 1, 1, 0, 0], [60 << 1, 1]] {
            #expect(throws: RTPError.self) {
                try fresh.push(
                    RTPPacket(
                        marker: true, payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: bad[...]))
            }
        }
    }
}
