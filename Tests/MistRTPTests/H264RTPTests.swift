import MistRTP
import Testing

/// RFC 6184 both ways, byte for byte: single NAL units, STAP-A, FU-A headers, a round trip over
/// many sizes, and what a lost packet or a hostile payload does.
@Suite struct H264RTPTests {
    static func nal(_ type: UInt8, _ size: Int, nri: UInt8 = 0x60) -> [UInt8] {
        [nri | type] + (1..<max(1, size)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    }

    static func packets(_ payloads: [[UInt8]], timestamp: UInt32, firstSequence: UInt16) -> [RTPPacket] {
        payloads.enumerated().map { index, payload in
            RTPPacket(
                marker: index == payloads.count - 1, payloadType: 96,
                sequenceNumber: firstSequence &+ UInt16(truncatingIfNeeded: index), timestamp: timestamp, ssrc: 1,
                payload: payload[...])
        }
    }

    @Test func smallUnitsShareASTAPAndLargeOnesAreCutIntoFUAs() {
        let packetizer = NALUnitRTPPacketizer(maximumPayload: 100)
        let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E]
        let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]
        let idr = Self.nal(5, 250)
        let payloads = packetizer.payloads([sps[...], pps[...], idr[...]])
        #expect(payloads.count == 1 + 3)
        #expect(payloads[0] == [0x78, 0, 4] + sps + [0, 4] + pps)  // STAP-A, NRI 3
        #expect(payloads[1].prefix(2) == [0x7C, 0x85])  // FU-A indicator, start + type 5
        #expect(payloads[2].prefix(2) == [0x7C, 0x05])
        #expect(payloads[3].prefix(2) == [0x7C, 0x45])  // end
        #expect(payloads[1...].allSatisfy { $0.count <= 100 })
        #expect(Array(payloads[1...].map { $0.dropFirst(2) }.joined()) == Array(idr.dropFirst()))
        // One unit that fits goes alone, as is.
        #expect(packetizer.payloads([idr[0..<50]]) == [Array(idr[0..<50])])
    }

    @Test func everySizeRoundTrips() throws {
        for size in [1, 2, 97, 98, 99, 100, 101, 1000, 65_535, 65_536, 300_000] {
            for maximum in [3, 100, 1200] {
                let units = [Self.nal(7, 10), Self.nal(8, 4), Self.nal(5, size), Self.nal(1, 3)]
                let payloads = NALUnitRTPPacketizer(maximumPayload: maximum).payloads(units.map { $0[...] })
                #expect(payloads.allSatisfy { $0.count <= max(3, maximum) })
                var depacketizer = NALUnitRTPDepacketizer()
                var pictures: [NALUnitRTPDepacketizer.AccessUnit] = []
                for packet in Self.packets(payloads, timestamp: 3000, firstSequence: 65_530) {
                    pictures += try depacketizer.push(packet)
                }
                #expect(pictures.count == 1, "size \(size) max \(maximum)")
                #expect(
                    pictures.first?.nals == units && pictures.first?.damaged == false, "size \(size) max \(maximum)")
            }
        }
    }

    @Test func aLostFragmentDamagesItsPictureAndNeverSplices() throws {
        let idr = Self.nal(5, 5000)
        let payloads = NALUnitRTPPacketizer(maximumPayload: 1000).payloads([idr[...]])
        var packets = Self.packets(payloads, timestamp: 0, firstSequence: 10)
        packets.remove(at: 2)
        let next = Self.packets([Self.nal(1, 50)], timestamp: 3000, firstSequence: 16)
        var depacketizer = NALUnitRTPDepacketizer()
        var out: [NALUnitRTPDepacketizer.AccessUnit] = []
        for packet in packets + next { out += try depacketizer.push(packet) }
        #expect(out.count == 2)
        #expect(out[0].damaged && out[0].nals.isEmpty)
        #expect(!out[1].damaged && out[1].nals == [Self.nal(1, 50)])
    }

    @Test func aTimestampChangeEndsAPictureWhoseMarkerWasLost() throws {
        var depacketizer = NALUnitRTPDepacketizer()
        let first = RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1, payload: Self.nal(1, 10)[...])
        let second = RTPPacket(
            marker: true, payloadType: 96, sequenceNumber: 2, timestamp: 3000, ssrc: 1, payload: Self.nal(1, 20)[...])
        #expect(try depacketizer.push(first).isEmpty)
        let out = try depacketizer.push(second)
        #expect(out.map(\.timestamp) == [0, 3000] && out.map(\.nals.count) == [1, 1])
    }

    @Test func hostilePayloadsAreTypedErrors() throws {
        var depacketizer = NALUnitRTPDepacketizer()
        func push(_ payload: [UInt8], _ sequence: UInt16) throws(RTPError) -> [NALUnitRTPDepacketizer.AccessUnit] {
            try depacketizer.push(
                RTPPacket(
                    marker: true, payloadType: 96, sequenceNumber: sequence, timestamp: 0, ssrc: 1,
                    payload: payload[...]))
        }
        #expect(throws: RTPError.malformed("empty payload")) { try push([], 1) }
        #expect(throws: RTPError.malformed("empty STAP-A")) { try push([24], 2) }
        #expect(throws: RTPError.self) { try push([24, 0xFF, 0xFF, 1], 3) }  // length past the end
        #expect(throws: RTPError.self) { try push([24, 0, 0], 4) }  // length 0
        #expect(throws: RTPError.self) { try push([24, 0], 5) }  // length cut off
        #expect(throws: RTPError.malformed("FU-A without its header")) { try push([28], 6) }
        #expect(throws: RTPError.unsupportedPayload(nalType: 25)) { try push([25, 0, 0], 7) }
        #expect(throws: RTPError.unsupportedPayload(nalType: 29)) { try push([29, 0x85, 1], 8) }
        #expect(throws: RTPError.malformed("NAL unit type 0")) { try push([0, 1], 9) }
        // A FU-A end without its start is dropped, marked damaged.
        let out = try push([0x7C, 0x45, 1, 2, 3], 10)
        #expect(out.first?.damaged == true && out.first?.nals.isEmpty == true)
    }
}
