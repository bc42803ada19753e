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
}
