import MistTLS
import Testing

@testable import MistWebRTC

@Suite struct DTLSHandshakeTests {
    /// A DTLS client and server in memory, their flights cut into datagrams of at most 1200 bytes:
    /// the handshake ends with the SRTP profile agreed, both sides exporting the same keys, and
    /// each seeing the other's certificate by the fingerprint its context announces.
    @Test func bothSidesAgreeOnSRTPKeys() throws {
        let serverContext = try TLSContext.datagram(isServer: true)
        let clientContext = try TLSContext.datagram(isServer: false)
        #expect(serverContext.fingerprint.count == 32 * 3 - 1)
        #expect(serverContext.fingerprint != clientContext.fingerprint)
        let server = try TLSEngine(context: serverContext)
        let client = try TLSEngine(context: clientContext)
        var largest = 0
        var rounds = 0
        while !(server.isEstablished && client.isEstablished) && rounds < 20 {
            rounds += 1
            _ = try client.handshake()
            for datagram in DTLSRecords.datagrams(client.takeOutput(), maximum: 1200) {
                largest = max(largest, datagram.count)
                datagram.withUnsafeBytes { server.receive($0) }
                _ = try server.handshake()
            }
            _ = try server.handshake()
            for datagram in DTLSRecords.datagrams(server.takeOutput(), maximum: 1200) {
                largest = max(largest, datagram.count)
                datagram.withUnsafeBytes { client.receive($0) }
                _ = try client.handshake()
            }
        }
        #expect(server.isEstablished && client.isEstablished)
        #expect(largest <= 1200)
        #expect(server.srtpProfile == "SRTP_AES128_CM_SHA1_80")
        #expect(client.srtpProfile == "SRTP_AES128_CM_SHA1_80")
        let serverKeys = try server.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 60)
        #expect(serverKeys == (try client.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 60)))
        #expect(server.peerCertificateFingerprint == clientContext.fingerprint)
        #expect(client.peerCertificateFingerprint == serverContext.fingerprint)
    }

    @Test func recordsAreGroupedWhole() {
        func record(_ length: Int) -> [UInt8] {
            [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, UInt8(length >> 8), UInt8(length & 0xFF)]
                + Array(repeating: 7, count: length)
        }
        let bytes = record(500) + record(600) + record(100) + record(1300)
        let datagrams = DTLSRecords.datagrams(bytes, maximum: 1200)
        #expect(datagrams.map(\.count) == [513 + 613, 113, 1313])
        #expect(datagrams.flatMap { $0 } == bytes)
        #expect(DTLSRecords.datagrams([22, 1, 2], maximum: 1200) == [[22, 1, 2]])
    }
}
