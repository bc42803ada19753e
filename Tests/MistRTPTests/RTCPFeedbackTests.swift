import Testing

@testable import MistRTP

@Suite struct RTCPFeedbackTests {
    /// A compound of a receiver report, a NACK with a bitmask, a PLI and a FIR, as browsers send
    /// them (bytes written by hand from RFC 4585 6.2.1, 6.3.1 and RFC 5104 4.3.1).
    @Test func readsNACKPLIAndFIR() {
        let receiverReport: [UInt8] = [0x80, 201, 0, 1, 0, 0, 0, 9]
        let nack: [UInt8] = [0x81, 205, 0, 3, 0, 0, 0, 9, 0xAA, 0xBB, 0xCC, 0xDD, 0xFF, 0xFE, 0b0000_0000, 0b0000_0101]
        let pli: [UInt8] = [0x81, 206, 0, 2, 0, 0, 0, 9, 0xAA, 0xBB, 0xCC, 0xDD]
        let fir: [UInt8] = [0x84, 206, 0, 4, 0, 0, 0, 9, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 7, 0, 0, 0]
        let messages = RTCPFeedback.messages(in: (receiverReport + nack + pli + fir)[...])
        #expect(
            messages == [
                .nack(ssrc: 0xAABB_CCDD, sequences: [0xFFFE, 0xFFFF, 1]), .pictureLoss(ssrc: 0xAABB_CCDD),
                .fullIntraRequest(ssrcs: [0x1122_3344]),
            ])
        #expect(RTCPFeedback.nackPacket(sender: 9, ssrc: 0xAABB_CCDD, sequences: [0xFFFE, 0xFFFF, 1]) == nack)
        #expect(RTCPFeedback.pictureLossPacket(sender: 9, ssrc: 0xAABB_CCDD) == pli)
    }

    @Test func truncatedOrForeignBytesEndTheReading() {
        let pli: [UInt8] = [0x81, 206, 0, 2, 0, 0, 0, 9, 0xAA, 0xBB, 0xCC, 0xDD]
        #expect(RTCPFeedback.messages(in: (pli + [0x81, 205, 0, 9, 1, 2])[...]) == [.pictureLoss(ssrc: 0xAABB_CCDD)])
        #expect(RTCPFeedback.messages(in: [0x00, 1, 2, 3, 4][...]).isEmpty)
        #expect(RTCPFeedback.messages(in: [0x81, 206, 0xFF, 0xFF][...]).isEmpty)
        // A NACK claiming more entries than allowed is cut at the limit.
        var long: [UInt8] = [0x81, 205, 0x01, 0x02] + [0, 0, 0, 1, 0, 0, 0, 2]
        for index in 0..<256 { long += [0, UInt8(index), 0, 0] }
        guard case .nack(_, let sequences) = RTCPFeedback.messages(in: long[...]).first else {
            Issue.record("no NACK read")
            return
        }
        #expect(sequences.count == RTCPFeedback.maximumNACKEntries)
    }

    /// REMB: an 18-bit mantissa and an exponent, read and written (rounded down to the exponent).
    @Test func readsAndWritesREMB() {
        // Exponent 3, mantissa 0x25AD0: 154,320 << 3 = 1,234,560 bit/s, for two SSRCs.
        let remb: [UInt8] = [
            0x8F, 206, 0, 6, 0, 0, 0, 9, 0, 0, 0, 0, 0x52, 0x45, 0x4D, 0x42, 2, 0x0E, 0x5A, 0xD0, 0, 0, 0, 1, 0, 0, 0,
            2,
        ]
        #expect(RTCPFeedback.messages(in: remb[...]) == [.estimatedBitrate(bitsPerSecond: 1_234_560, ssrcs: [1, 2])])
        #expect(RTCPFeedback.estimatedBitratePacket(sender: 9, bitsPerSecond: 1_234_567, ssrcs: [1, 2]) == remb)
        // MistServer's 6 Mbit/s to a publisher: read back as written, rounded down to the exponent.
        let six = RTCPFeedback.estimatedBitratePacket(sender: 1, bitsPerSecond: 6_000_000, ssrcs: [7])
        guard case .estimatedBitrate(let bits, let ssrcs) = RTCPFeedback.messages(in: six[...]).first else {
            Issue.record("no REMB read")
            return
        }
        #expect(bits <= 6_000_000 && bits > 5_999_000 && ssrcs == [7])
        // An exponent that would overflow is clamped; application feedback that is not REMB is skipped.
        var huge = remb
        huge[17] = 0xFC
        #expect(RTCPFeedback.messages(in: huge[...]) == [.estimatedBitrate(bitsPerSecond: .max, ssrcs: [1, 2])])
        var other = remb
        other[12] = 0x41
        #expect(RTCPFeedback.messages(in: other[...]).isEmpty)
    }

    /// Receiver reports written read back as report blocks; the counts follow RFC 3550 A.3.
    @Test func receiverReportsCountWhatArrived() {
        var statistics = RTPReceptionStatistics(ssrc: 0xABCD, clockRate: 90_000)
        #expect(statistics.report() == nil)
        // 65530 ... 65535, then 0 ... 9 without 3 and 4: two lost across the wrap.
        var sequences = Array(UInt16(65530)...UInt16(65535)) + Array(UInt16(0)...UInt16(9))
        sequences.removeAll { $0 == 3 || $0 == 4 }
        for (index, sequence) in sequences.enumerated() {
            statistics.receive(sequence: sequence, timestamp: UInt32(index) * 3000, arrival: Double(index) / 30)
        }
        guard let block = statistics.report() else {
            Issue.record("no report")
            return
        }
        #expect(block.highestSequence == 0x1_0009)
        #expect(block.cumulativeLost == 2)
        #expect(block.fractionLost == UInt8(2 * 256 / 16))
        #expect(block.jitter == 0)
        let report = RTCPReportBlock.receiverReport(sender: 5, blocks: [block])
        #expect(report.count == 32 && report[0] == 0x81 && report[1] == 201 && report[3] == 7)
        #expect(RTCPReportBlock.blocks(in: report[...]) == [block])
        // Nothing new since: nothing lost in this interval.
        #expect(statistics.report()?.fractionLost == 0)
    }
}
