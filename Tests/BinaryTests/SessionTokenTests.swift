import Foundation
import MistData
import Synchronization
import Testing

/// Sessions bundled as MistServer bundles them, though every connection here shares one
/// process: viewers without a token are sessions of their own (each asked USER_NEW), a player
/// that carries its token (cookie or `?tkn=`) is one session over many requests, the token is
/// handed out in `json_` URLs, playlists and a cookie, and a view is counted once per second.
@Suite(.serialized) struct SessionTokenTests {
    static func header(_ response: HTTPTestClient.Response, _ name: String) -> String? {
        response.headers.first { $0.key.lowercased() == name }?.value
    }

    @Test(.enabled(if: MediaTools.available)) func tokensMakeSessionsAsMistServersDo() throws {
        let folder = try MediaTools.temporaryFolder("tokens")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 4)
        let refusing = Mutex(true)
        let recorder = try TriggerRecorder { call in
            call.lines.count > 2 && call.lines[2] == "refused" && refusing.withLock { $0 } ? "false" : "true"
        }
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "triggers": {"USER_NEW": [{"handler": "\(recorder.url)", "sync": true}]}},
                 "streams": {"movie": {"name": "movie", "source": "\(movie.path)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })

        // Three token-less viewers from one machine with one User-Agent: three sessions.
        for _ in 0..<3 {
            _ = try MediaTools.probe("http://127.0.0.1:\(httpPort)/movie.mp4", arguments: ["-show_format"])
        }
        let calls = recorder.calls("USER_NEW")
        #expect(calls.count == 3, "\(calls.map(\.payload))")
        #expect(Set(calls.map { $0.lines[2] }).count == 3 && Set(calls.map { $0.lines[5] }).count == 3)

        // The stream info hands out a token: in every source URL and as a cookie.
        let info = try HTTPTestClient(port: httpPort).get("/json_movie.js")
        let cookie = try #require(Self.header(info, "set-cookie"), "\(info.headers)")
        #expect(cookie.hasPrefix("tkn=") && cookie.hasSuffix("; Max-Age=600"))
        let token = String(cookie.dropFirst(4).prefix { $0 != ";" })
        let sources = try info.json()["source"].arrayValue ?? []
        #expect(!sources.isEmpty)
        #expect(
            sources.allSatisfy {
                $0["url"].asString.hasSuffix("?tkn=\(token)") && $0["relurl"].asString.hasSuffix("?tkn=\(token)")
            })

        // A browser-like player that keeps its cookie is one session over the master
        // playlist, the media playlist and the segments, and its playlists carry its token.
        let browser = try HTTPTestClient(port: httpPort)
        let headers = ["Cookie": "theme=dark; tkn=browser1"]
        let master = try browser.get("/hls/movie/index.m3u8", headers: headers)
        #expect(master.status == 200)
        let media = try #require(
            String(decoding: master.body, as: UTF8.self).split(whereSeparator: \.isNewline).first { !$0.hasPrefix("#") }
        )
        #expect(media.hasSuffix("?tkn=browser1"), "\(media)")
        let playlist = try browser.get("/hls/movie/\(media)", headers: headers)
        let segments = String(decoding: playlist.body, as: UTF8.self).split(whereSeparator: \.isNewline)
            .filter { !$0.hasPrefix("#") }
        #expect(segments.count >= 2 && segments.allSatisfy { $0.hasSuffix("tkn=browser1") }, "\(segments)")
        let mediaFolder = media.split(separator: "/").first.map(String.init) ?? ""
        for segment in segments.prefix(2) {
            #expect(try browser.get("/hls/movie/\(mediaFolder)/\(segment)", headers: headers).status == 200)
        }
        let browserCalls = recorder.calls("USER_NEW").filter { $0.lines[2] == "browser1" }
        #expect(browserCalls.count == 1, "\(browserCalls.map(\.payload))")

        // A refused token stays refused for its session; the same machine with another token plays.
        #expect(try HTTPTestClient(port: httpPort).get("/movie.mp4?tkn=refused").status == 403)
        #expect(try HTTPTestClient(port: httpPort).get("/movie.mp4?tkn=refused").status == 403)
        #expect(recorder.calls("USER_NEW").filter { $0.lines[2] == "refused" }.count == 1)
        #expect(try HTTPTestClient(port: httpPort).head("/movie.mp4?tkn=other").status == 200)
        // The handler changes its mind; invalidate_sessions makes the server ask again.
        refusing.withLock { $0 = false }
        _ = try controller.call(#"{"invalidate_sessions": true}"#)
        #expect(
            waitFor(seconds: 10) { (try? HTTPTestClient(port: httpPort).head("/movie.mp4?tkn=refused").status) == 200 })
        #expect(recorder.calls("USER_NEW").filter { $0.lines[2] == "refused" }.count == 2)
    }

    /// A live view of about 30 s counts as many view-seconds, not one per statistics pass.
    @Test(.enabled(if: MediaTools.available)) func viewSecondsAreSecondsOfViewing() throws {
        let rtmpPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) && ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 50, log: folder.appendingPathComponent("push.log"))
        defer { BoundedWait.stop(push) }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        let started = Date()
        try MediaTools.make(
            [
                "-i", "http://127.0.0.1:\(httpPort)/live.ts", "-t", "30", "-c", "copy", "-f", "mpegts", "-y",
                folder.appendingPathComponent("view.ts").path,
            ],
            log: folder.appendingPathComponent("view.log"))
        let watched = Date().timeIntervalSince(started)
        // The statistics see the connection end within a few passes.
        var counted: Int64 = 0
        #expect(
            waitFor(seconds: 10) {
                let reply = (try? controller.call(#"{"active_streams": ["viewseconds"]}"#)) ?? .null
                counted = reply["active_streams"]["live"][0].intValue ?? 0
                return counted > 0 && abs(Double(counted) - watched) <= 2
            }, "\(counted) view-seconds for \(watched) s of viewing")
    }

    /// The server settings around sessions: a trusted proxy's forwarded address is the viewer's,
    /// `serverid` reaches trigger handlers as X-Name, and ended sessions go to the access log file.
    @Test(.enabled(if: MediaTools.available)) func proxiesServerNameAndAccessLogFile() throws {
        let folder = try MediaTools.temporaryFolder("access")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 2)
        let accessFile = folder.appendingPathComponent("access.log")
        let recorder = try TriggerRecorder { _ in "true" }
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "serverid": "edge-1", "accesslog": "\(accessFile.path)",
                  "triggers": {"USER_NEW": [{"handler": "\(recorder.url)", "sync": true}]}},
                 "streams": {"movie": {"name": "movie", "source": "\(movie.path)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        // A proxy on this machine (localhost is always trusted) forwards a viewer.
        let answer = try HTTPTestClient(port: httpPort).get(
            "/movie.mp4?tkn=proxied", headers: ["X-Forwarded-For": "203.0.113.7, 10.0.0.1"])
        #expect(answer.status == 200)
        let call = try #require(recorder.calls("USER_NEW").first)
        #expect(call.lines[1] == "203.0.113.7" && call.lines[2] == "proxied", "\(call.payload)")
        #expect(call.headers.first { $0.key.lowercased() == "x-name" }?.value == "edge-1")
        // The session ends 15 s after its connection; its line names the forwarded address.
        var lines: [String] = []
        #expect(
            waitFor(seconds: 40) {
                lines = ((try? String(contentsOf: accessFile, encoding: .utf8)) ?? "").split(separator: "\n").map(
                    String.init)
                return !lines.isEmpty
            })
        let fields = lines.first?.components(separatedBy: ", ") ?? []
        #expect(fields.count == 9, "\(lines)")
        #expect(
            fields.count > 4 && fields[2] == "movie" && fields[3] == "MP4" && fields[4] == "203.0.113.7", "\(lines)")
        #expect(!controller.log.contains("ACCS"))
    }

    /// An HS256 token, made by Python's standard library (another implementation than ours).
    static func jwt(secret: String, claims: String, kid: String = "k1") throws -> String {
        let script = """
            import base64, hashlib, hmac, json, sys
            b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
            head = b(json.dumps({"alg": "HS256", "typ": "JWT", "kid": sys.argv[3]}).encode())
            body = b(sys.argv[2].encode())
            mac = hmac.new(sys.argv[1].encode(), (head + "." + body).encode(), hashlib.sha256).digest()
            print(head + "." + body + "." + b(mac))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, secret, claims, kid]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        // Waited for with a deadline first (the token is far smaller than the pipe's buffer).
        #expect(BoundedWait.exit(process, seconds: 20, "python minting a JWT"))
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Viewers with a token signed by one of the server's keys play without USER_NEW; expired,
    /// forged or foreign tokens are refused.
    @Test(.enabled(if: MediaTools.available)) func signedTokensStandInForUserNew() throws {
        let folder = try MediaTools.temporaryFolder("jwt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 2)
        let recorder = try TriggerRecorder { _ in "false" }
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "triggers": {"USER_NEW": [{"handler": "\(recorder.url)", "sync": true}]}},
                 "streams": {"movie": {"name": "movie", "source": "\(movie.path)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        // "mistswift-signing-key" in base64url.
        let added = try controller.call(
            #"{"addjwks": [{"kty": "oct", "kid": "k1", "k": "bWlzdHN3aWZ0LXNpZ25pbmcta2V5", "junk": 1}, {"stream": ["movie"]}]}"#
        )
        #expect(
            added["addjwks"] == [
                [
                    ["kty": "oct", "kid": "k1", "k": "bWlzdHN3aWZ0LXNpZ25pbmcta2V5"],
                    ["stream": ["movie"], "input": true, "output": true, "admin": false],
                ]
            ], "\(added)")
        let now = Int(Date().timeIntervalSince1970)
        let good = try Self.jwt(secret: "mistswift-signing-key", claims: #"{"sub": "movie", "exp": \#(now + 600)}"#)
        let expired = try Self.jwt(secret: "mistswift-signing-key", claims: #"{"sub": "movie", "exp": \#(now - 60)}"#)
        let forged = try Self.jwt(secret: "another-key", claims: #"{"sub": "movie", "exp": \#(now + 600)}"#)
        let elsewhere = try Self.jwt(
            secret: "mistswift-signing-key", claims: #"{"sub": "other", "exp": \#(now + 600)}"#)
        // The outputs see the key within a second or so.
        #expect(
            waitFor(seconds: 10) { (try? HTTPTestClient(port: httpPort).head("/movie.mp4?jwt=\(good)").status) == 200 })
        #expect(
            try HTTPTestClient(port: httpPort).head("/movie.mp4", headers: ["Authorization": "Bearer \(good)"]).status
                == 200)
        for (name, token) in [("expired", expired), ("forged", forged), ("for another stream", elsewhere)] {
            #expect(try HTTPTestClient(port: httpPort).head("/movie.mp4?jwt=\(token)").status == 403, "\(name)")
        }
        #expect(recorder.calls("USER_NEW").isEmpty, "\(recorder.calls("USER_NEW").map(\.payload))")
        #expect(controller.log.contains("the JWT has expired"))
        // Without the key, the token is only a token, and USER_NEW (which says no) decides.
        let removed = try controller.call(#"{"deletejwks": "k1"}"#)
        #expect(removed["deletejwks"].count == 1)
        #expect(
            waitFor(seconds: 10) { (try? HTTPTestClient(port: httpPort).head("/movie.mp4?jwt=\(good)").status) == 403 })
        #expect(!recorder.calls("USER_NEW").isEmpty)
    }

    /// RSA and EC keys made by Python's `cryptography` at test time, their JWK set, and tokens
    /// they sign: for each name in `tokens`, the algorithm and the claims.
    static func asymmetricTokens(_ tokens: [String: (algorithm: String, claims: String)]) throws -> JSONValue {
        let script = """
            import base64, json, sys
            from cryptography.hazmat.primitives.asymmetric import rsa, ec, padding, utils
            from cryptography.hazmat.primitives import hashes
            b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
            n = lambda v, size: b(v.to_bytes(size, "big"))
            rk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            ek = ec.generate_private_key(ec.SECP256R1())
            rp, ep = rk.public_key().public_numbers(), ek.public_key().public_numbers()
            out = {"keys": [{"kty": "RSA", "kid": "r1", "n": n(rp.n, 256), "e": n(rp.e, 3)},
                            {"kty": "EC", "kid": "e1", "crv": "P-256", "x": n(ep.x, 32), "y": n(ep.y, 32)}]}
            for name, (alg, claims) in json.loads(sys.argv[1]).items():
                head = b(json.dumps({"alg": alg, "kid": "e1" if alg.startswith("ES") else "r1"}).encode())
                text = (head + "." + b(claims.encode())).encode()
                if alg == "ES256":
                    r, s = utils.decode_dss_signature(ek.sign(text, ec.ECDSA(hashes.SHA256())))
                    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
                elif alg == "PS256":
                    sig = rk.sign(text, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
                else:
                    sig = rk.sign(text, padding.PKCS1v15(), hashes.SHA256())
                out[name] = text.decode() + "." + b(sig)
            print(json.dumps(out))
            """
        var request = JSONValue.emptyObject
        for (name, token) in tokens { request[name] = [.string(token.algorithm), .string(token.claims)] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, JSONWriter.compact(request)]
        let pipe = Pipe()
        process.standardOutput = pipe
        let output = try BoundedWait.run(process, seconds: 60, "python minting RSA and EC tokens")[0]
        #expect(process.terminationStatus == 0)
        return try JSONParser.parse(Array(output))
    }

    /// Keys fetched from a JWKS URL (behind an OpenID configuration) check RSA and ECDSA tokens;
    /// a token's `ipa` claim ties it to the viewer's address.
    @Test(.enabled(if: MediaTools.available)) func keysFromAJWKSURLCheckRSAAndECTokens() throws {
        let folder = try MediaTools.temporaryFolder("jwks")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 2)
        let now = Int(Date().timeIntervalSince1970)
        let minted = try Self.asymmetricTokens([
            "rs": ("RS256", #"{"sub": "movie", "exp": \#(now + 600)}"#),
            "ps": ("PS256", #"{"sub": "mov*", "ipa": "127.0.0.0/8"}"#),
            "es": ("ES256", #"{"sub": "movie", "nbf": \#(now - 10)}"#),
            "expired": ("RS256", #"{"sub": "movie", "exp": \#(now - 60)}"#),
            "elsewhere": ("ES256", #"{"sub": "movie", "ipa": "192.0.2.0/24"}"#),
        ])
        let keySet = JSONWriter.compact(["keys": minted["keys"]])
        let server = try TriggerRecorder { call in
            switch call.path {
            case "/.well-known/openid-configuration": return #"{"issuer": "test", "jwks_uri": "/keys.json"}"#
            case "/keys.json": return keySet
            default: return "false"
            }
        }
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "triggers": {"USER_NEW": [{"handler": "\(server.url)", "sync": true}]}},
                 "streams": {"movie": {"name": "movie", "source": "\(movie.path)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        let configuration = "http://127.0.0.1:\(server.port)/.well-known/openid-configuration"
        let added = try controller.call(#"{"addjwks": ["\#(configuration)", {"stream": "mov*"}]}"#)
        #expect(
            added["addjwks"] == [
                [.string(configuration), ["stream": "mov*", "input": true, "output": true, "admin": false]]
            ],
            "\(added)")
        // The keys arrive within a controller round or two; until the outputs have them, the
        // token is only a token and USER_NEW (which says no) decides.
        #expect(waitFor(seconds: 15) { controller.log.contains("Read 2 JSON Web Keys from \(configuration)") })
        let rs = minted["rs"].asString
        #expect(
            waitFor(seconds: 15) { (try? HTTPTestClient(port: httpPort).head("/movie.mp4?jwt=\(rs)").status) == 200 })
        let asked = server.calls("USER_NEW").count
        for name in ["ps", "es"] {
            #expect(
                try HTTPTestClient(port: httpPort).head("/movie.mp4?jwt=\(minted[name].asString)").status == 200,
                "\(name)")
        }
        for name in ["expired", "elsewhere"] {
            #expect(
                try HTTPTestClient(port: httpPort).head("/movie.mp4?jwt=\(minted[name].asString)").status == 403,
                "\(name)")
        }
        #expect(server.calls("USER_NEW").count == asked, "\(server.calls("USER_NEW").map { $0.lines.prefix(4) })")
        #expect(server.calls("").contains { $0.path == "/keys.json" })
        // The URL removed, its keys go with it.
        _ = try controller.call(#"{"deletejwks": "\#(configuration)"}"#)
        #expect(
            waitFor(seconds: 10) { (try? HTTPTestClient(port: httpPort).head("/movie.mp4?jwt=\(rs)").status) == 403 })
    }

    /// A stream-info request (`json_`) is a session of connector HTTP of the kind
    /// `sessionStreamInfoMode` says: a viewer (1, the default), unspecified (4) or none (3).
    @Test(.enabled(if: MediaTools.available)) func streamInfoRequestsAreSessionsAsTheModeSays() throws {
        let folder = try MediaTools.temporaryFolder("info-sessions")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 2)
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"prometheus": "metrics",
                  "protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"movie": {"name": "movie", "source": "\(movie.path)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        func count(_ type: String) -> Double {
            ((try? StatisticsEndToEndTests.prometheus(controller.apiPort)) ?? [:])[
                "mist_sessions_count_total{sessType=\(type)}"] ?? -1
        }
        #expect(try HTTPTestClient(port: httpPort).get("/json_movie.js?tkn=first").status == 200)
        #expect(waitFor(seconds: 10) { count("viewers") == 1 }, "\(count("viewers"))")
        #expect(count("unspecified") == 0)

        _ = try controller.call(#"{"config": {"sessionStreamInfoMode": 4}}"#)
        var token = 0
        #expect(
            waitFor(seconds: 10) {
                token += 1
                _ = try? HTTPTestClient(port: httpPort).get("/json_movie.js?tkn=second\(token)")
                return count("unspecified") >= 1
            })
        // From then on they are unspecified sessions, bundled by sessionUnspecifiedMode (0 by
        // default: all of them one session), never viewers.
        let viewers = count("viewers")
        for index in 0..<3 { _ = try HTTPTestClient(port: httpPort).get("/json_movie.js?tkn=more\(index)") }
        usleep(2_500_000)
        #expect(count("viewers") == viewers && count("unspecified") == 1)

        _ = try controller.call(#"{"config": {"sessionStreamInfoMode": 3}}"#)
        // Once the output has the new mode, requests leave no session at all.
        usleep(2_500_000)
        let before = (count("viewers"), count("unspecified"))
        for index in 0..<3 { _ = try HTTPTestClient(port: httpPort).get("/json_movie.js?tkn=third\(index)") }
        usleep(2_500_000)
        #expect(count("viewers") == before.0 && count("unspecified") == before.1)
        // A media request is a viewer session whatever the stream-info mode.
        #expect(try HTTPTestClient(port: httpPort).get("/movie.mp4?tkn=media").status == 200)
        #expect(waitFor(seconds: 10) { count("viewers") == before.0 + 1 })
    }
}
