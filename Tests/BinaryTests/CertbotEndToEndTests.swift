import Foundation
import MistData
import MistNet
import MistTLS
import TLSTestSupport
import Testing

/// Debian's certbot gets a certificate from Debian's pebble (Let's Encrypt's test ACME server)
/// with MistUtilCertbot as both hooks: the HTTP-01 challenge is answered by an HTTP connector
/// the hook adds, the certificate is installed on an HTTPS connector the hook adds, and that
/// connector then serves it. A forced renewal goes through the update paths of both hooks.
/// (pebble checks the challenge on `MIST_CERTBOT_HTTP_PORT` instead of 80, and resolves the
/// domain through pebble-challtestsrv's DNS, which answers 127.0.0.1.)
@Suite(.serialized) struct CertbotEndToEndTests {
    static var available: Bool {
        ProcessInfo.processInfo.environment["MIST_REQUIRE_MEDIA_TOOLS"] != nil
            || ["/usr/bin/certbot", "/usr/bin/pebble"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func start(_ path: String, _ arguments: [String], environment: [String: String] = [:], log: URL) throws
        -> Process
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    @Test(.enabled(if: available)) func certbotGetsACertificateThroughTheHooksAndHTTPSServesIt() throws {
        let folder = try MediaTools.temporaryFolder("certbot")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder.appendingPathComponent("certs"))
        let pebbleCertificate = try certificates.issue("pebble")
        let acmePort = ControllerHarness.freePort()
        let managementPort = ControllerHarness.freePort()
        let dnsPort = ControllerHarness.freePort()
        let dnsManagementPort = ControllerHarness.freePort()
        let challengePort = ControllerHarness.freePort()
        let httpsPort = ControllerHarness.freePort()
        let udpAPIPort = ControllerHarness.freePort()
        let pebbleConfig = folder.appendingPathComponent("pebble.json")
        try Data(
            """
            {"pebble": {"listenAddress": "127.0.0.1:\(acmePort)", "managementListenAddress": "127.0.0.1:\(managementPort)",
              "certificate": "\(pebbleCertificate.certificate)", "privateKey": "\(pebbleCertificate.key)",
              "httpPort": \(challengePort), "tlsPort": \(ControllerHarness.freePort()), "ocspResponderURL": "",
              "externalAccountBindingRequired": false}}
            """.utf8
        ).write(to: pebbleConfig)
        let dns = try Self.start(
            "/usr/bin/pebble-challtestsrv",
            [
                "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:\(dnsPort)", "-http01", "",
                "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:\(dnsManagementPort)",
            ], log: folder.appendingPathComponent("dns.log"))
        defer { BoundedWait.stop(dns) }
        let pebble = try Self.start(
            "/usr/bin/pebble", ["-config", pebbleConfig.path, "-dnsserver", "127.0.0.1:\(dnsPort)"],
            environment: ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"],
            log: folder.appendingPathComponent("pebble.log"))
        defer { BoundedWait.stop(pebble) }

        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]}}
                """, environment: ["UDP_API": "udp://127.0.0.1:\(udpAPIPort)"])
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) && ControllerHarness.portAccepts(acmePort) })

        let hook = controller.binaries.appendingPathComponent("MistUtilCertbot").path
        let letsEncrypt = folder.appendingPathComponent("letsencrypt")
        func certbot(_ arguments: [String], log: String) throws -> Int32 {
            let process = try Self.start(
                "/usr/bin/certbot",
                arguments + [
                    "--manual", "--preferred-challenges=http", "--manual-auth-hook", hook, "--deploy-hook", hook,
                    "--server", "https://127.0.0.1:\(acmePort)/dir",
                    "--config-dir", letsEncrypt.appendingPathComponent("config").path,
                    "--work-dir", letsEncrypt.appendingPathComponent("work").path,
                    "--logs-dir", letsEncrypt.appendingPathComponent("logs").path,
                    "--non-interactive", "--agree-tos", "--register-unsafely-without-email",
                ],
                environment: [
                    "REQUESTS_CA_BUNDLE": certificates.authority, "MIST_SHM_FOLDER": controller.shmFolder.path,
                    "MIST_CERTBOT_HTTP_PORT": String(challengePort), "MIST_CERTBOT_HTTPS_PORT": String(httpsPort),
                    "MIST_CERTBOT_SETTLE_MS": "1000",
                ], log: folder.appendingPathComponent(log))
            guard BoundedWait.exit(process, seconds: 120, "certbot") else { return -1 }
            return process.terminationStatus
        }
        let status = try certbot(["certonly", "-d", "mist.test"], log: "certbot.log")
        let log = (try? String(contentsOf: folder.appendingPathComponent("certbot.log"), encoding: .utf8)) ?? ""
        #expect(status == 0, "\(log.suffix(3000))")

        // The hooks added an HTTP connector with the challenge and an HTTPS one with the certificate.
        let protocols = try controller.call(#"{"config": true}"#)["config"]["protocols"].arrayValue ?? []
        let challenge = protocols.first { $0["connector"] == "HTTP" && $0["port"].intValue == Int64(challengePort) }
        #expect(challenge?["certbot"].stringValue?.contains(":") == true)
        let live = letsEncrypt.appendingPathComponent("config/live/mist.test").path
        let https = protocols.first { $0["connector"] == "HTTPS" }
        #expect(https?["cert"].stringValue == live + "/fullchain.pem")
        #expect(https?["key"].stringValue == live + "/privkey.pem")
        #expect(https?["port"].intValue == Int64(httpsPort))
        #expect(controller.log.contains("Answered the ACME challenge"))

        // The HTTPS connector serves pebble's certificate for the domain.
        let trusting = try TLSContext.client(verify: false)
        var issuer: String?
        #expect(
            waitFor(seconds: 20) {
                issuer =
                    (try? TLSConnection.connect(host: "127.0.0.1", port: UInt16(httpsPort), context: trusting))?
                    .peerCertificateIssuer
                return issuer?.contains("Pebble") == true
            }, "issuer \(issuer ?? "none")")

        // A forced renewal: both hooks take their update paths, and the renewed files are reloaded.
        let renewed = try certbot(["renew", "--force-renewal", "--no-random-sleep-on-renew"], log: "renew.log")
        let renewLog = (try? String(contentsOf: folder.appendingPathComponent("renew.log"), encoding: .utf8)) ?? ""
        #expect(renewed == 0, "\(renewLog.suffix(3000))")
        #expect(waitFor(seconds: 10) { controller.log.contains("TLS certificates reloaded") })
        #expect(
            (try? TLSConnection.connect(host: "127.0.0.1", port: UInt16(httpsPort), context: trusting))?
                .peerCertificateIssuer?.contains("Pebble") == true)
    }
}
