import Foundation
import MistData
import MistNet
import MistTLS
import TLSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// TLS under the controller with real peers: ffmpeg pushes `rtmps://`, ffprobe plays HTTPS
/// (progressive TS, HLS) and RTMPS, the stream info names `https://` sources when asked over
/// HTTPS, trigger handlers on `https://` decide (and one that cannot be used gives its
/// default), bad certificates stop only their connector and the API says why, and a renewed
/// certificate is served after a reload without dropping open connections.
@Suite(.serialized) struct TLSEndToEndTests {
    /// A GET over TLS verified against `authority` as `host`; the whole answer as text.
    static func httpsGet(port: Int, path: String, authority: String, host: String = "127.0.0.1") throws -> String {
        let context = try TLSContext.client(caFile: authority)
        let connection = try TLSConnection.connect(host: host, port: UInt16(port), context: context)
        defer { connection.close() }
        try connection.send(Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8))
        var answer: [UInt8] = []
        while (try? connection.receive(into: &answer, timeoutMilliseconds: 10_000)) ?? 0 > 0 {}
        return String(decoding: answer, as: UTF8.self)
    }

    static func streams(_ url: String) throws -> [String] {
        try MediaTools.probe(url, arguments: ["-show_streams"])["streams"].arrayValue?.map { $0["codec_name"].asString }
            ?? []
    }

    @Test(.enabled(if: MediaTools.available)) func rtmpsPushPlaysOverHTTPSHLSAndRTMPS() throws {
        let folder = try MediaTools.temporaryFolder("tls-e2e")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder.appendingPathComponent("certs"))
        let issued = try certificates.issue("server")
        let rtmpsPort = ControllerHarness.freePort()
        let httpsPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let tls = "\"cert\": \"\(issued.certificate)\", \"key\": \"\(issued.key)\""
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpsPort), "interface": "127.0.0.1", \(tls)},
                    {"connector": "HTTPS", "port": \(httpsPort), "interface": "127.0.0.1", \(tls)},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"},
                             "copy": {"name": "copy", "source": "push://"},
                             "pulled": {"name": "pulled", "source": "https://127.0.0.1:\(httpsPort)/hls/live/index.m3u8"}}}
                """, environment: [TLSConnection.caFileVariable: certificates.authority])
        defer { controller.stop() }
        #expect(
            waitFor {
                [rtmpsPort, httpsPort, httpPort].allSatisfy { ControllerHarness.portAccepts($0) }
            })

        // A plain RTMP client on the RTMPS port gets nothing and is cut; the port goes on.
        let plain = try TCPTestClient(port: UInt16(rtmpsPort))
        try plain.write([3] + [UInt8](repeating: 0, count: 1536))
        #expect((try? plain.read(timeoutSeconds: 5))?.isEmpty ?? true)

        let push = try MediaTools.pushTestPattern(
            to: "rtmps://127.0.0.1:\(rtmpsPort)/live/live", seconds: 40, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))

        #expect(try Set(Self.streams("https://127.0.0.1:\(httpsPort)/live.ts")) == ["h264", "aac"])
        #expect(try Set(Self.streams("https://127.0.0.1:\(httpsPort)/hls/live/index.m3u8")) == ["h264", "aac"])
        #expect(try Set(Self.streams("rtmps://127.0.0.1:\(rtmpsPort)/play/live")) == ["h264", "aac"])

        // An rtmps:// push target (this server's own RTMPS port, into another stream), and an
        // HLS pull over https:// (this server's HTTPS, verified against the pinned CA).
        _ = try controller.call("{\"push_start\": [\"live\", \"rtmps://127.0.0.1:\(rtmpsPort)/live/copy\"]}")
        #expect(RTMPEndToEndTests.waitForActive(controller, "copy"), "\(controller.log.suffix(2500))")
        #expect(try Set(Self.streams("http://127.0.0.1:\(httpPort)/copy.ts")) == ["h264", "aac"])
        #expect(try Set(Self.streams("http://127.0.0.1:\(httpPort)/pulled.ts")) == ["h264", "aac"])

        // Asked over HTTPS, the stream info names https:// sources on the HTTPS port; over HTTP, http://.
        let secure = try Self.httpsGet(port: httpsPort, path: "/json_live.js", authority: certificates.authority)
        #expect(secure.hasPrefix("HTTP/1.1 200"))
        let body = try JSONParser.parse(String(secure[secure.range(of: "\r\n\r\n")!.upperBound...]))
        let urls = (body["source"].arrayValue ?? []).map { $0["url"].asString }
        #expect(
            !urls.isEmpty
                && urls.allSatisfy {
                    $0.hasPrefix("https://127.0.0.1:\(httpsPort)/") || $0.hasPrefix("wss://127.0.0.1:\(httpsPort)/")
                }, "\(urls)")
        #expect(body["capa"]["ssl"] == true)
        let plainInfo = try HTTPTestClient(port: httpPort).get("/json_live.js").json()
        #expect(
            (plainInfo["source"].arrayValue ?? []).allSatisfy {
                $0["url"].asString.hasPrefix("http://") || $0["url"].asString.hasPrefix("ws://")
            })
        // The player script over HTTPS points at the HTTPS address.
        let player = try Self.httpsGet(port: httpsPort, path: "/embed_live.js", authority: certificates.authority)
        #expect(player.contains("https://127.0.0.1:\(httpsPort)"))
    }

    @Test(.enabled(if: MediaTools.available)) func httpsTriggerHandlersDecideAndUnusableOnesFollowTheirDefault()
        throws
    {
        let folder = try MediaTools.temporaryFolder("tls-trigger")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder.appendingPathComponent("certs"))
        let issued = try certificates.issue("handler")
        let handlerContext = try TLSContext.server(
            [TLSCertificatePair(certificate: issued.certificate, key: issued.key)])
        let denying = try TriggerRecorder(tls: handlerContext) { call in call.trigger == "USER_NEW" ? "false" : "true" }
        let own = try certificates.issue("own", selfSigned: true)
        let untrusted = try TriggerRecorder(
            tls: TLSContext.server([TLSCertificatePair(certificate: own.certificate, key: own.key)])
        ) { _ in "true" }
        let nobody = ControllerHarness.freePort()

        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 2)
        let httpPort = ControllerHarness.freePort()
        func config(_ handler: String, default answer: String) -> String {
            """
            {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
              "triggers": {"USER_NEW": [{"handler": "\(handler)", "sync": true, "default": "\(answer)"}]}},
             "streams": {"movie": {"name": "movie", "source": "\(movie.path)"}}}
            """
        }
        let controller = try ControllerHarness(
            config: config(denying.url, default: "true"),
            environment: [TLSConnection.caFileVariable: certificates.authority])
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })

        // The HTTPS handler is reached, verified and says no.
        let denied = try HTTPTestClient(port: httpPort).get("/movie.ts")
        #expect(denied.status >= 400, "status \(denied.status)")
        #expect(denying.calls("USER_NEW").count == 1)

        // A handler whose certificate the CA did not sign is not believed: its default (true) decides.
        func use(_ handler: String, default answer: String) throws {
            let trigger = """
                {"config": {"triggers": {"USER_NEW": [{"handler": "\(handler)", "sync": true, "default": "\(answer)"}]}}}
                """
            _ = try controller.call(trigger)
        }
        // (Outputs read trigger changes within half a second; each try is a new session.)
        var attempt = 0
        func viewerStatus() -> Int {
            attempt += 1
            return (try? HTTPTestClient(port: httpPort).get("/movie.ts?tkn=viewer\(attempt)").status) ?? 0
        }
        try use(untrusted.url, default: "true")
        #expect(waitFor(seconds: 10) { viewerStatus() == 200 })
        #expect(untrusted.calls("USER_NEW").isEmpty)
        #expect(waitFor(seconds: 5) { controller.log.contains("certificate verification failed") })
        // Nobody listening, default false: denied, and the log says why.
        try use("https://127.0.0.1:\(nobody)/trigger", default: "false")
        #expect(
            waitFor(seconds: 10) {
                viewerStatus() >= 400 && controller.log.contains("following its default 'false'")
            })
        #expect(controller.log.contains("Connection refused"))
    }

    @Test func badCertificatesStopOnlyTheirConnectorAndTheAPISaysWhy() throws {
        let folder = try MediaTools.temporaryFolder("tls-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder.appendingPathComponent("certs"))
        let good = try certificates.issue("good")
        let other = try certificates.issue("other")
        let expired = try certificates.issue("expired", days: -30 ... -2)
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "HTTPS", "port": \(ControllerHarness.freePort()), "interface": "127.0.0.1",
                     "cert": "\(folder.path)/missing.pem", "key": "\(good.key)"},
                    {"connector": "HTTPS", "port": \(ControllerHarness.freePort()), "interface": "127.0.0.1",
                     "cert": "\(expired.certificate)", "key": "\(expired.key)"},
                    {"connector": "RTMP", "port": \(ControllerHarness.freePort()), "interface": "127.0.0.1",
                     "cert": "\(good.certificate)", "key": "\(other.key)"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        var states: [String] = []
        // (A reason can reach the controller's log a moment after its connector exited, so the
        // states are awaited whole.)
        #expect(
            waitFor(seconds: 30) {
                let protocols = (try? controller.call(#"{"config": true}"#))?["config"]["protocols"].arrayValue ?? []
                states = protocols.map { $0["online"].stringValue ?? String($0["online"].intValue ?? -1) }
                return states.count == 4 && states[0].hasPrefix("Failed: ") && states[0].contains("missing.pem")
                    && states[0].contains("No such file") && states[1].hasPrefix("Failed: ")
                    && states[1].contains("expired on") && states[2].hasPrefix("Failed: ")
                    && states[2].contains("does not match") && states[3] == "1"
            }, "\(states)")
        #expect(try HTTPTestClient(port: httpPort).get("/crossdomain.xml").status == 200)
    }

    @Test func aRenewedCertificateIsServedAfterAReloadAndOpenConnectionsStay() throws {
        let folder = try MediaTools.temporaryFolder("tls-reload")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(folder: folder.appendingPathComponent("certs"))
        // First only for the name "localhost"; the renewal also covers 127.0.0.1.
        let issued = try certificates.issue("site", hosts: ["localhost"])
        let httpsPort = ControllerHarness.freePort()
        let entry = """
            {"connector": "HTTPS", "port": \(httpsPort), "interface": "127.0.0.1", "cert": "\(issued.certificate)", "key": "\(issued.key)"}
            """
        let controller = try ControllerHarness(config: "{\"config\": {\"protocols\": [\(entry)]}}")
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpsPort) })
        let context = try TLSContext.client(caFile: certificates.authority)
        #expect(throws: (any Error).self) {
            try TLSConnection.connect(host: "127.0.0.1", port: UInt16(httpsPort), context: context)
        }
        // A keep-alive connection opened before the renewal.
        let open = try TLSConnection.connect(host: "localhost", port: UInt16(httpsPort), context: context)
        defer { open.close() }
        func ask(_ connection: TLSConnection) throws -> String {
            try connection.send(Array("GET /crossdomain.xml HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
            var answer: [UInt8] = []
            while !String(decoding: answer, as: UTF8.self).contains("</cross-domain-policy>") {
                guard try connection.receive(into: &answer, timeoutMilliseconds: 5000) > 0 else { break }
            }
            return String(decoding: answer, as: UTF8.self)
        }
        #expect(try ask(open).hasPrefix("HTTP/1.1 200"))

        _ = try certificates.issue("site", hosts: ["localhost", "127.0.0.1"])
        // MistUtilCertbot's deploy hook: the same entry, "updated" to itself.
        _ = try controller.call("{\"updateprotocol\": [\(entry), \(entry)]}")
        #expect(
            waitFor(seconds: 10) {
                (try? TLSConnection.connect(host: "127.0.0.1", port: UInt16(httpsPort), context: context)) != nil
            })
        #expect(try ask(open).hasPrefix("HTTP/1.1 200"))
        #expect(controller.log.contains("TLS certificates reloaded"))
    }
}
