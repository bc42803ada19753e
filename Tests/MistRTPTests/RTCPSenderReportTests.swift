import MistRTP
import Testing

@Suite struct RTCPSenderReportTests {
    @Test func reportBytesFollowRFC3550() {
        let ntp = RTCPSenderReport.ntp(unixMilliseconds: 1_000_500)
        #expect(ntp.seconds == 2_208_989_800 && ntp.fraction == 0x8000_0000)
        let report = RTCPSenderReport(
            ssrc: 0x0102_0304, ntpSeconds: ntp.seconds, ntpFraction: ntp.fraction, rtpTimestamp: 90_000,
            packetCount: 7, octetCount: 1234)
        #expect(
            report.bytes == [
                0x80, 200, 0, 6, 1, 2, 3, 4, 0x83, 0xAA, 0x82, 0x68, 0x80, 0, 0, 0, 0, 1, 0x5F, 0x90, 0, 0, 0, 7, 0,
                0, 0x04, 0xD2,
            ])
    }
}
