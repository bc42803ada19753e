import Foundation
import MistTLS
import TLSTestSupport
import Testing

/// Two engines talking through memory: handshakes, data both ways, verification, SNI and ALPN,
/// and the certificate problems a server must refuse to start with.
@Suite struct TLSEngineTests {
    static func folder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mist-tls-\(name)-\(getpid())")
    }

    /// Moves bytes between the two until neither has anything to send; true when both have
    /// finished the handshake.
    static func pump(_ client: TLSEngine, _ server: TLSEngine) throws -> Bool {
        for _ in 0..<20 {
            _ = try client.handshake()
            let toServer = client.takeOutput()
            toServer.withUnsafeBytes { server.receive($0) }
            _ = try server.handshake()
            let toClient = server.takeOutput()
            toClient.withUnsafeBytes { client.receive($0) }
            if toServer.isEmpty && toClient.isEmpty { break }
        }
        return try client.handshake() && server.handshake()
    }

    static func readAll(_ engine: TLSEngine) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case .bytes(let count) = try buffer.withUnsafeMutableBytes({ try engine.read(into: $0) }) {
            out += buffer[0..<count]
        }
        return out
    }

    @Test func aVerifiedHandshakeCarriesDataBothWaysAndAgreesOnHTTP11() throws {
        let folder = Self.folder("basic")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder)
        let issued = try certificates.issue("server")
        let serverContext = try TLSContext.server(
            [TLSCertificatePair(certificate: issued.certificate, key: issued.key)], http11: true)
        let client = try TLSEngine(
            context: TLSContext.client(caFile: certificates.authority), serverName: "localhost")
        client.offer(protocols: ["h2", "http/1.1"])
        let server = try TLSEngine(context: serverContext)
        #expect(try Self.pump(client, server))
        #expect(client.negotiatedProtocol == "http/1.1")
        #expect(server.requestedServerName == "localhost")

        let request = Array("GET / HTTP/1.1\r\n\r\n".utf8)
        try request.withUnsafeBytes { try client.write($0) }
        client.takeOutput().withUnsafeBytes { server.receive($0) }
        #expect(try Self.readAll(server) == request)
        let body = [UInt8]((0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        try body.withUnsafeBytes { try server.write($0) }
        server.takeOutput().withUnsafeBytes { client.receive($0) }
        #expect(try Self.readAll(client) == body)

        server.close()
        server.takeOutput().withUnsafeBytes { client.receive($0) }
        var scratch = [UInt8](repeating: 0, count: 16)
        #expect(try scratch.withUnsafeMutableBytes { try client.read(into: $0) } == .closed)
    }

    @Test func anAddressIsVerifiedAgainstTheCertificatesIPNames() throws {
        let folder = Self.folder("ip")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder)
        let issued = try certificates.issue("server")
        let serverContext = try TLSContext.server([TLSCertificatePair(certificate: issued.certificate, key: issued.key)]
        )
        let client = try TLSEngine(context: TLSContext.client(caFile: certificates.authority), serverName: "127.0.0.1")
        #expect(try Self.pump(client, TLSEngine(context: serverContext)))
        let wrong = try TLSEngine(context: TLSContext.client(caFile: certificates.authority), serverName: "127.0.0.2")
        #expect(throws: TLSError.self) { try Self.pump(wrong, TLSEngine(context: serverContext)) }
    }

    @Test func clientsRefuseUnknownIssuersAndOtherNames() throws {
        let folder = Self.folder("verify")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder)
        let own = try certificates.issue("own", selfSigned: true)
        let ownServer = try TLSContext.server([TLSCertificatePair(certificate: own.certificate, key: own.key)])
        let verifying = try TLSContext.client(caFile: certificates.authority)
        do {
            _ = try Self.pump(try TLSEngine(context: verifying, serverName: "localhost"), TLSEngine(context: ownServer))
            Issue.record("a self-signed certificate was accepted")
        } catch let error as TLSError {
            guard case .verificationFailed(let reason) = error else {
                Issue.record("wrong error: \(error)")
                return
            }
            #expect(reason.contains("self-signed") || reason.contains("self signed"), "\(reason)")
        }
        let issued = try certificates.issue("server")
        let server = try TLSContext.server([TLSCertificatePair(certificate: issued.certificate, key: issued.key)])
        #expect(throws: TLSError.self) {
            try Self.pump(
                try TLSEngine(context: verifying, serverName: "elsewhere.example"), TLSEngine(context: server))
        }
        // Not verifying accepts it (an explicit opt-out).
        let trusting = try TLSContext.client(verify: false)
        #expect(try Self.pump(try TLSEngine(context: trusting, serverName: "localhost"), TLSEngine(context: ownServer)))
    }

    @Test func theServerPicksTheCertificateForTheAskedName() throws {
        let folder = Self.folder("sni")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder)
        let first = try certificates.issue("first", hosts: ["first.test"])
        let second = try certificates.issue("second", hosts: ["second.test", "*.wild.test"])
        let server = try TLSContext.server(
            TLSCertificatePair.pairs(
                certificates: [first.certificate, second.certificate], keys: [first.key, second.key]))
        #expect(server.certificates.count == 2)
        let client = try TLSContext.client(caFile: certificates.authority)
        for name in ["first.test", "second.test", "a.wild.test"] {
            #expect(try Self.pump(TLSEngine(context: client, serverName: name), TLSEngine(context: server)), "\(name)")
        }
        // A name no certificate covers gets the first one, which the client then refuses.
        #expect(throws: TLSError.self) {
            try Self.pump(TLSEngine(context: client, serverName: "third.test"), TLSEngine(context: server))
        }
    }

    @Test func badCertificatesAreRefusedWithTheirReason() throws {
        let folder = Self.folder("bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder)
        let good = try certificates.issue("good")
        let other = try certificates.issue("other")
        let expired = try certificates.issue("expired", days: -30 ... -1)
        let future = try certificates.issue("future", days: 2...30)
        let garbage = folder.appendingPathComponent("garbage.pem").path
        try Data("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n".utf8)
            .write(to: URL(fileURLWithPath: garbage))

        func failure(_ certificate: String, _ key: String) -> TLSError? {
            do {
                _ = try TLSContext.server([TLSCertificatePair(certificate: certificate, key: key)])
                return nil
            } catch { return error }
        }
        guard case .unreadable(let path, _) = failure(folder.path + "/missing.pem", good.key) else {
            Issue.record("missing file accepted")
            return
        }
        #expect(path.hasSuffix("missing.pem"))
        #expect(failure(good.certificate, other.key) == .keyMismatch(certificate: good.certificate, key: other.key))
        guard case .notValidNow(_, let reason) = failure(expired.certificate, expired.key) else {
            Issue.record("expired certificate accepted")
            return
        }
        #expect(reason.hasPrefix("expired on"))
        guard case .notValidNow = failure(future.certificate, future.key) else {
            Issue.record("certificate from the future accepted")
            return
        }
        guard case .badFile = failure(garbage, good.key) else {
            Issue.record("garbage certificate accepted")
            return
        }
        guard case .badFile = failure(good.certificate, garbage) else {
            Issue.record("garbage key accepted")
            return
        }
        #expect(failure(good.certificate, good.key) == nil)
        #expect(throws: TLSError.noCertificate) { try TLSContext.server([]) }
    }

    @Test func garbageFromAPeerIsAnErrorNotACrash() throws {
        let folder = Self.folder("garbage")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder)
        let issued = try certificates.issue("server")
        let context = try TLSContext.server([TLSCertificatePair(certificate: issued.certificate, key: issued.key)])
        let plainHTTP = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        for bytes in [plainHTTP, [UInt8](repeating: 0x16, count: 4096), [0x16, 0x03, 0x01, 0xFF, 0xFF, 1, 2, 3]] {
            let server = try TLSEngine(context: context)
            bytes.withUnsafeBytes { server.receive($0) }
            do {
                _ = try server.handshake()
            } catch {
                guard case .protocolFailure = error else {
                    Issue.record("wrong error \(error)")
                    continue
                }
            }
            // An alert for the peer at most; never a crash.
            #expect(server.pendingOutput < 1024)
        }
    }

    @Test func mistServersCertAndKeyOptionsBecomePairs() {
        #expect(
            TLSCertificatePair.pairs(certificates: ["a.pem", "", "b.pem"], keys: ["a.key", "b.key"])
                == [.init(certificate: "a.pem", key: "a.key"), .init(certificate: "b.pem", key: "b.key")])
        #expect(
            TLSCertificatePair.pairs(certificates: ["[\"chain.pem\",\"leaf.key\"]", "c.pem"], keys: ["c.key"])
                == [.init(certificate: "chain.pem", key: "leaf.key"), .init(certificate: "c.pem", key: "c.key")])
        #expect(TLSCertificatePair.pairs(certificates: ["a.pem"], keys: []).isEmpty)
        #expect(TLSCertificatePair.pairs(certificates: [""], keys: [""]).isEmpty)
    }
}
