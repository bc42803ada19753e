import MistRTP
import MistTLS
import Testing

@testable import MistWebRTC

@Suite struct SRTPSessionTests {
    /// Two sides from one keying material: what one protects the other reads, tampering and
    /// replays are refused.
    @Test func whatOneSideProtectsTheOtherReads() throws {
        let material = (0..<60).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let server = try SRTPSession.pair(keyingMaterial: material, isServer: true)
        let client = try SRTPSession.pair(keyingMaterial: material, isServer: false)
        let packet = RTPPacket(
            marker: true, payloadType: 96, sequenceNumber: 4711, timestamp: 90_000, ssrc: 0x1234_5678,
            payload: Array(repeating: 0xAB, count: 200)[...]
        ).bytes
        let protected = try server.outbound.protect(packet)
        #expect(protected.count == packet.count + 10)
        #expect(Array(protected[0..<12]) == Array(packet[0..<12]))
        #expect(protected[12...] != packet[12...])
        #expect(try client.inbound.unprotect(protected) == packet)
        #expect(throws: SRTPError.self) { try client.inbound.unprotect(protected) }
        var tampered = try server.outbound.protect(
            RTPPacket(
                marker: false, payloadType: 96, sequenceNumber: 4712, timestamp: 90_000, ssrc: 0x1234_5678,
                payload: [1, 2, 3][...]
            ).bytes)
        tampered[13] ^= 1
        #expect(throws: SRTPError.self) { try client.inbound.unprotect(tampered) }

        let report = RTCPSenderReport(
            ssrc: 0x1234_5678, ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5
        ).bytes
        let protectedReport = try client.outbound.protect(report, rtcp: true)
        #expect(protectedReport.count == report.count + 14)
        #expect(try server.inbound.unprotect(protectedReport, rtcp: true) == report)
    }

    @Test func badKeysAndLengthsAreRefused() throws {
        #expect(throws: SRTPError.badKeyingMaterial(59)) {
            try SRTPSession.pair(keyingMaterial: Array(repeating: 0, count: 59), isServer: true)
        }
        let session = try SRTPSession(keyAndSalt: Array(repeating: 1, count: 30), inbound: true)
        #expect(throws: SRTPError.badLength(5)) { try session.unprotect([1, 2, 3, 4, 5]) }
        #expect(throws: SRTPError.self) { try session.unprotect(Array(repeating: 0x80, count: 40)) }
    }
}
