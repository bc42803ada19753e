import MistRTP
import Testing

@Suite struct RTCPReportBlockTests {
    @Test func receiverReportBlocksAreReadFromACompoundPacket() {
        // RR from SSRC 9 with two blocks, then an SDES that is skipped.
        var bytes: [UInt8] = [0x82, 201, 0, 13, 0, 0, 0, 9]
        bytes += [0, 0, 0, 1, 0x40, 0, 0, 5, 0, 1, 0, 100, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0]
        bytes += [0, 0, 0, 2, 0, 0xFF, 0xFF, 0xFF, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        bytes += [0x81, 202, 0, 1, 0, 0, 0, 9]
        let blocks = RTCPReportBlock.blocks(in: bytes[...])
        #expect(
            blocks == [
                RTCPReportBlock(ssrc: 1, fractionLost: 0x40, cumulativeLost: 5, highestSequence: 65636, jitter: 7),
                RTCPReportBlock(ssrc: 2, fractionLost: 0, cumulativeLost: -1, highestSequence: 50, jitter: 0),
            ])
    }

    @Test func brokenPacketsYieldWhatCameBefore() {
        #expect(RTCPReportBlock.blocks(in: [0x81, 201, 0, 7, 0, 0, 0, 9][...]).isEmpty)
        #expect(RTCPReportBlock.blocks(in: [0x01, 2, 3][...]).isEmpty)
        #expect(RTCPReportBlock.blocks(in: [0x9F, 201, 0, 1, 0, 0, 0, 9][...]).isEmpty)
        #expect(RTCPReportBlock.blocks(in: [][...]).isEmpty)
    }
}
