import Foundation
import MistData
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// MistController started for real and driven over HTTP, as scripts and the web interface do.
@Suite(.serialized) struct ControllerAPITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MistControlTests/Fixtures")

    /// A configuration with an account and one DTSC protocol on `port`.
    static func config(dtscPort: Int) -> String {
        """
        {"account": {"admin": {"password": "5ebe2294ecd0e0f08eab7690d2a6ee69"}},
         "config": {"protocols": [{"connector": "DTSC", "port": \(dtscPort), "interface": "127.0.0.1"}]},
         "streams": {}}
        """
    }

    @Test func localCallsGetMistServersReplyShapes() throws {
        let dtscPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(config: Self.config(dtscPort: dtscPort))
        #expect(waitFor { ControllerHarness.portAccepts(dtscPort) })

        let reply = try controller.call("{}")
        let captured = try JSONParser.parse(
            Array(Data(contentsOf: Self.fixtures.appendingPathComponent("api-config.response.json"))))
        #expect(Set(reply.objectValue?.keys ?? []) == Set(captured.objectValue?.keys ?? []))
        #expect(reply["authorize"] == ["local": true, "status": "OK"])
        #expect(reply["LTS"] == 1)
        for key in ["iid", "version", "time", "serverid", "protocols", "sessionViewerMode", "tknMode", "accesslog"] {
            #expect(reply["config"].hasMember(key), "config lacks \(key)")
        }
        #expect(reply["config"]["protocols"][0]["online"] == 1)
        #expect(reply["config"]["iid"].asString.utf8.count == 16)
        // Log entries: [time, kind, message, stream, pid, executable, location], as the capture.
        #expect(reply["log"].count > 0)
        #expect(reply["log"][0].count == captured["log"][0].count)

        // /api2 is minimal: only what was asked for.
        let minimal = try controller.call(#"{"capabilities": true}"#, path: "/api2")
        #expect(Set(minimal.objectValue?.keys ?? []) == ["LTS", "authorize", "capabilities"])
        let capabilities = minimal["capabilities"]
        #expect(capabilities["connectors"]["DTSC"]["name"] == "DTSC")
        #expect(capabilities["inputs"]["Buffer"].isObject)
        for key in ["cpu", "mem", "load", "speed", "threads", "cpu_use"] {
            #expect(capabilities.hasMember(key), "capabilities lacks \(key)")
        }
        #expect(capabilities["mem"]["total"].asInt > 0)

        // The child's own log lines reach the log call, with its name and pid.
        #expect(
            waitFor {
                let log = (try? controller.call(#"{"log": true}"#, path: "/api2")["log"]) ?? .null
                return (log.arrayValue ?? []).contains {
                    $0[5] == "MistOutDTSC" && $0[2].asString.contains("Listening")
                }
            })

        // JSONP, and a POSTed JSON body.
        let client = try controller.client()
        let jsonp = try client.get("/api2?callback=handle&command=%7B%7D")
        #expect(jsonp.text.hasPrefix("handle({") && jsonp.text.hasSuffix(");\n\n"))
        #expect(jsonp.headers["access-control-allow-origin"] == "*")
        #expect(jsonp.headers["content-type"] == "text/javascript")
        let posted = try client.post("/api2", body: #"{"api_endpoint": true}"#, contentType: "application/json")
        #expect(try posted.json()["api_endpoint"] == .string("http://127.0.0.1:\(controller.apiPort)/"))
        // Without a command, other paths get the page.
        let page = try client.get("/")
        #expect(page.headers["content-type"] == "text/html")
    }

    @Test func streamsAndProtocolsAreEditedSavedAndReloaded() throws {
        let dtscPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(config: Self.config(dtscPort: dtscPort))
        let file = controller.folder.appendingPathComponent("movie.dtsc").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3])))

        let added = try controller.call(
            #"{"addstream": {"live": {"source": "push://", "DVR": 30000, "unset": null}, "vod": {"source": "\#(file)"}}}"#
        )
        #expect(added["streams"]["incomplete list"] == 1)
        #expect(added["streams"]["live"]["name"] == "live")
        #expect(added["streams"]["live"]["DVR"] == 30000)
        #expect(!added["streams"]["live"].hasMember("unset"))
        #expect(added["streams"]["live"]["online"] == 0)
        #expect(added["streams"]["vod"]["online"] == 2)
        #expect(added["streams"]["vod"]["error"] == "Available")

        let refused = try controller.call(#"{"addstream": {"Bad Name!": {"source": "push://"}}}"#)
        #expect(refused["error"].asString.contains("Invalid stream name Bad Name!"))
        #expect(!refused["streams"].hasMember("Bad Name!"))

        let deleted = try controller.call(#"{"deletestream": ["vod"]}"#)
        #expect(deleted["streams"] == ["incomplete list": 1])
        let all = try controller.call(#"{"streams": true}"#, path: "/api2")
        #expect(Set(all["streams"].objectValue?.keys ?? []) == ["live"])

        // A second protocol starts listening; deleting it stops it.
        let secondPort = ControllerHarness.freePort()
        let entry = #"{"connector": "DTSC", "port": \#(secondPort), "interface": "127.0.0.1"}"#
        _ = try controller.call(#"{"addprotocol": \#(entry)}"#)
        #expect(waitFor { ControllerHarness.portAccepts(secondPort) })
        let config = try controller.call(#"{"config": true}"#, path: "/api2")
        #expect(config["config"]["protocols"].count == 2)
        #expect(config["config"]["protocols"][1]["online"] == 1)
        _ = try controller.call(#"{"deleteprotocol": \#(entry)}"#)
        #expect(waitFor { !ControllerHarness.portAccepts(secondPort) })
        #expect(ControllerHarness.portAccepts(dtscPort))

        // save writes the file at once, without runtime members.
        let saved = try controller.call(#"{"save": true, "ui_settings": {"theme": "dark"}}"#, path: "/api2")
        #expect(saved["ui_settings"] == ["theme": "dark"])
        #expect(!saved.hasMember("error"))
        let text = try String(contentsOf: controller.configFile, encoding: .utf8)
        let stored = try JSONParser.parse(Array(text.utf8))
        #expect(stored["streams"]["live"] == ["DVR": 30000, "name": "live", "source": "push://"])
        #expect(stored["ui_settings"] == ["theme": "dark"])
        #expect(stored["config"]["protocols"].count == 1)
        #expect(!text.contains("\"online\""))

        // A restart reads it back.
        controller.stop()
        try controller.start()
        let reloaded = try controller.call(#"{"streams": true}"#, path: "/api2")
        #expect(reloaded["streams"]["live"]["DVR"] == 30000)
        #expect(waitFor { ControllerHarness.portAccepts(dtscPort) })
    }

    @Test func remoteCallersLogInWithTheChallenge() throws {
        let controller = try ControllerHarness(
            config: Self.config(dtscPort: ControllerHarness.freePort()), environment: ["MIST_API_LOCAL": "none"])
        let client = try controller.client()
        let first = try client.call("{}").json()
        #expect(Set(first.objectValue?.keys ?? []) == ["authorize"])
        #expect(first["authorize"]["status"] == "CHALL")
        let challenge = first["authorize"]["challenge"].asString
        #expect(challenge.utf8.count == 32)

        // A wrong answer is refused, and answered more slowly.
        let started = Date()
        let wrong = try client.call(#"{"authorize": {"username": "admin", "password": "0123"}}"#).json()
        #expect(wrong["authorize"]["status"] == "CHALL")
        #expect(Date().timeIntervalSince(started) >= 0.4)
        #expect(controller.log.contains("Failed login attempt admin from 127.0.0.1"))

        // md5(md5(password) + challenge) logs the connection in.
        let answer = md5Hex(md5Hex("secret") + challenge)
        let right = try client.call(#"{"authorize": {"username": "admin", "password": "\#(answer)"}, "streams": true}"#)
            .json()
        #expect(right["authorize"] == ["status": "OK"])
        #expect(right["streams"].isObject)
        // The login lasts for the connection: the next request needs no credentials.
        let next = try client.call(#"{"addstream": {"cam": {"source": "push://"}}}"#).json()
        #expect(next["streams"]["cam"]["source"] == "push://")
        // Only local callers may shut the server down.
        let shutdown = try client.call(#"{"shutdown": true}"#).json()
        #expect(shutdown["shutdown"] == "Ignored - only local users may request shutdown")
        #expect(controller.process.isRunning)
        // A new connection starts out unauthorised again.
        let fresh = try controller.client().call(#"{"streams": true}"#).json()
        #expect(fresh["authorize"]["status"] == "CHALL")
        #expect(!fresh.hasMember("streams"))

        // The Authorization header works too; a bad one gets 403 with a fresh challenge.
        let header = #"json {"username": "admin", "password": "\#(answer)"}"#
        let viaHeader = try controller.client().call(#"{"streams": true}"#, headers: ["Authorization": header])
        #expect(viaHeader.status == 200)
        #expect(try viaHeader.json()["streams"].isObject)
        let badHeader = try controller.client().call("{}", headers: ["Authorization": #"json {"username": "admin"}"#])
        #expect(badHeader.status == 403)
        #expect(badHeader.headers["www-authenticate"]?.contains("CHALL") == true)
    }

    @Test func forwardedRequestsAreNotLocal() throws {
        let controller = try ControllerHarness(config: Self.config(dtscPort: ControllerHarness.freePort()))
        let reply = try controller.client().call("{}", headers: ["X-Real-IP": "203.0.113.9"]).json()
        #expect(reply["authorize"]["status"] == "CHALL")
    }

    @Test func killedProtocolIsRestartedWithinTwoSeconds() throws {
        let dtscPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(config: Self.config(dtscPort: dtscPort))
        #expect(waitFor { ControllerHarness.portAccepts(dtscPort) })
        let before = controller.children(named: "MistOutDTSC")
        try #require(before.count == 1)
        kill(before[0], SIGKILL)
        let killed = Date()
        #expect(waitFor(seconds: 2) { !controller.children(named: "MistOutDTSC").filter { $0 != before[0] }.isEmpty })
        #expect(waitFor(seconds: 2) { ControllerHarness.portAccepts(dtscPort) })
        let elapsed = Date().timeIntervalSince(killed)
        #expect(elapsed < 2, "restarted after \(elapsed) s")
        #expect(controller.log.contains("was killed by signal 9"))
    }

    /// The `debug` setting changes the log level of the controller and of its running children
    /// (those started without a level of their own) within seconds, both ways.
    @Test func theDebugLevelIsAppliedLive() throws {
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        func requestLines() -> Int {
            controller.log.components(separatedBy: "Received request GET /crossdomain.xml").count - 1
        }
        _ = try HTTPTestClient(port: httpPort).get("/crossdomain.xml")
        usleep(500_000)
        #expect(requestLines() == 0, "HIGH lines are not written at the default level")

        _ = try controller.call(#"{"config": {"debug": 6}}"#)
        #expect(waitFor(seconds: 10) { controller.log.contains("Debug level set to 6") })
        // The output follows within a second or so.
        #expect(
            waitFor(seconds: 10) {
                _ = try? HTTPTestClient(port: httpPort).get("/crossdomain.xml")
                return requestLines() > 0
            })
        #expect(try controller.call(#"{"config": true}"#)["config"]["debug"] == 6)

        _ = try controller.call(#"{"config": {"debug": 4}}"#)
        usleep(2_500_000)
        let before = requestLines()
        for _ in 0..<3 { _ = try HTTPTestClient(port: httpPort).get("/crossdomain.xml") }
        usleep(500_000)
        #expect(requestLines() == before, "back at level 4, HIGH lines stop")
    }

    /// `playlist` edits a playlist stream's `.pls` file line by line, as MistServer's call does,
    /// and `enumerate_sources` answers null when no input lists sources for the prefix.
    @Test func playlistCallsEditThePlaylistFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let list = folder.appendingPathComponent("show.pls")
        try "a.mp4\nb.mp4\n".write(to: list, atomically: true, encoding: .utf8)
        let fresh = folder.appendingPathComponent("fresh.pls")
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": []},
                 "streams": {"show": {"name": "show", "source": "\(list.path)"},
                             "fresh": {"name": "fresh", "source": "\(fresh.path)"},
                             "plain": {"name": "plain", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(try controller.call(#"{"playlist": {"show": true}}"#)["playlist"]["show"] == ["a.mp4", "b.mp4"])
        let edited = try controller.call(
            #"{"playlist": {"show": [["append", "c.mp4"], ["replace", "a.mp4", "z.mp4"], ["remove", "b.mp4"], ["line", 1, "y.mp4"], ["line", 9, "nope"]]}}"#
        )
        #expect(edited["playlist"]["show"] == ["z.mp4", "y.mp4", "c.mp4"], "\(edited)")
        #expect(try String(contentsOf: list, encoding: .utf8) == "z.mp4\ny.mp4\nc.mp4\n")
        #expect(controller.log.contains("Line number 9 does not exist"))
        // A playlist that does not exist yet is created; other streams are left alone.
        let created = try controller.call(#"{"playlist": {"fresh": ["append", "one.ts"], "plain": ["clear"]}}"#)
        #expect(created["playlist"]["fresh"] == ["one.ts"] && !created["playlist"].hasMember("plain"))
        #expect(try String(contentsOf: fresh, encoding: .utf8) == "one.ts\n")
        #expect(controller.log.contains("stream 'plain' is not playlist-based"))
        #expect(try controller.call(#"{"playlist": {"show": ["clear"]}}"#)["playlist"]["show"] == [])
        #expect(try String(contentsOf: list, encoding: .utf8) == "")
        let enumerated = try controller.call(#"{"enumerate_sources": "v4l2:"}"#)
        #expect(enumerated.hasMember("enumerate_sources") && enumerated["enumerate_sources"].isNull)
        #expect(!enumerated.hasMember("error"), "\(enumerated)")
    }

    @Test func shutdownCallStopsTheControllerAndItsChildren() throws {
        let dtscPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(config: Self.config(dtscPort: dtscPort))
        #expect(waitFor { ControllerHarness.portAccepts(dtscPort) })
        let child = controller.children(named: "MistOutDTSC")
        let reply = try controller.call(#"{"shutdown": "test over"}"#, path: "/api2")
        #expect(reply["shutdown"] == "Shutting down")
        #expect(waitFor { !controller.process.isRunning })
        #expect(controller.process.terminationStatus == 0)
        #expect(child.allSatisfy { kill($0, 0) != 0 })
        #expect(controller.log.contains("Shutdown requested through the local API: test over"))
    }

    @Test func badRequestsGetErrorsAndTheConfigSurvives() throws {
        let controller = try ControllerHarness(config: Self.config(dtscPort: ControllerHarness.freePort()))
        _ = try controller.call(#"{"addstream": {"keep": {"source": "push://"}}, "save": true}"#)
        let before = try Data(contentsOf: controller.configFile)

        let client = try controller.client()
        let malformed = try client.get("/api?command=%7B%22addstream%22%3A")
        #expect(malformed.status == 200)
        #expect(try malformed.json()["error"].asString.contains("not valid JSON"))
        let unknown = try client.call(#"{"frobnicate": 1, "minimal": 1}"#).json()
        #expect(unknown["error"] == "Unknown API call(s): frobnicate")
        let wrongType = try client.call(#"{"addstream": "keep", "minimal": 1}"#).json()
        #expect(wrongType["error"].asString.contains("addstream needs an object"))
        let notObject = try client.call(#"{"addstream": {"keep": 5}, "deletestream": 7, "minimal": 1}"#).json()
        #expect(notObject["error"].asString.contains("not an object"))
        let garbage = try client.post(
            "/api", body: String(repeating: "\u{1}[{", count: 500), contentType: "application/json")
        #expect(try garbage.json()["error"].isString)

        _ = try controller.call(#"{"save": true}"#)
        let after = try JSONParser.parse(Array(Data(contentsOf: controller.configFile)))
        #expect(after["streams"] == (try JSONParser.parse(Array(before)))["streams"])
        #expect(controller.process.isRunning)
    }

    @Test func mistServersOwnConfigFileLoadsAndSavesEveryField() throws {
        let original = try Data(contentsOf: Self.fixtures.appendingPathComponent("mistserver-config.json"))
        let controller = try ControllerHarness(config: String(decoding: original, as: UTF8.self))
        let reply = try controller.call(#"{"save": true}"#)
        #expect(!reply.hasMember("error"))
        let before = try JSONParser.parse(Array(original))
        let after = try JSONParser.parse(Array(Data(contentsOf: controller.configFile)))
        for (key, value) in before.objectValue ?? JSONObject() {
            #expect(after[key] == value, "\(key) changed")
        }
        // The API shows the stored streams with their runtime state.
        #expect(reply["streams"]["live"]["source"] == before["streams"]["live"]["source"])
    }

    @Test func firstStartWithoutConfigurationEnablesTheDefaultProtocols() throws {
        let controller = try ControllerHarness(config: nil, arguments: ["-a", "admin:secret"])
        let stored = try JSONParser.parse(Array(Data(contentsOf: controller.configFile)))
        let connectors = (stored["config"]["protocols"].arrayValue ?? []).map(\.["connector"])
        // WebRTC too: like MistServer's, it is marked neither push-only nor no-default.
        #expect(
            connectors == [
                "CMAF", "DTSC", "EBML", "FLV", "HLS", "HTTP", "HTTPTS", "MP4", "RTMP", "RTSP", "TSSRT", "WebRTC",
            ])
        #expect(stored["account"]["admin"]["password"] == "5ebe2294ecd0e0f08eab7690d2a6ee69")
        let config = try controller.call(#"{"config": true}"#, path: "/api2")
        let protocols = config["config"]["protocols"].arrayValue ?? []
        #expect(protocols.count == 12)
        // The HTTP-based formats are served by MistOutHTTP: enabled, not run on their own.
        for format in ["CMAF", "EBML", "FLV", "HLS", "HTTPTS", "MP4"] {
            #expect(protocols.first { $0["connector"] == .string(format) }?["online"] == "Enabled", "\(format)")
        }
        #expect(controller.children(named: "MistOutHLS").isEmpty && !controller.children(named: "MistOutHTTP").isEmpty)
    }

    @Test func configBackupRestoreAndTheConfigCall() throws {
        let controller = try ControllerHarness(config: Self.config(dtscPort: ControllerHarness.freePort()))
        let changed = try controller.call(
            #"{"config": {"serverid": "edge-1", "debug": 5, "bogus": 1}, "addstream": {"a": {"source": "push://"}}}"#,
            path: "/api2")
        #expect(changed["config"]["serverid"] == "edge-1")
        #expect(changed["config"]["debug"] == 5)
        #expect(!changed["config"].hasMember("bogus"))
        let backup = try controller.call(#"{"config_backup": true}"#, path: "/api2")["config_backup"]
        #expect(backup["streams"]["a"] == ["name": "a", "source": "push://"])
        #expect(backup["account"]["admin"].isObject)
        #expect(!JSONWriter.compact(backup).contains("online"))

        var restored = backup
        restored["streams"] = ["b": ["source": "/x.mp4"]]
        restored["config"]["serverid"] = "edge-2"
        _ = try controller.call(#"{"config_restore": \#(JSONWriter.compact(restored))}"#)
        let after = try controller.call(#"{"streams": true, "config": true}"#, path: "/api2")
        #expect(Set(after["streams"].objectValue?.keys ?? []) == ["b"])
        #expect(after["streams"]["b"]["name"] == "b")
        #expect(after["config"]["serverid"] == "edge-2")

        let browse = try controller.call(#"{"browse": "\#(controller.folder.path)"}"#, path: "/api2")["browse"]
        #expect(browse["path"] == [.string(controller.folder.resolvingSymlinksInPath().path)])
        #expect((browse["files"].arrayValue ?? []).contains("config.json"))
        #expect((browse["subdirectories"].arrayValue ?? []).contains("shm"))
    }

    @Test func editsOnDiskArePickedUpAndUnsavedChangesSavedAtShutdown() throws {
        let controller = try ControllerHarness(config: Self.config(dtscPort: ControllerHarness.freePort()))
        // Someone edits the file (the `r` of the default -C rw).
        var edited = try JSONParser.parse(Array(Data(contentsOf: controller.configFile)))
        edited["streams"]["fromdisk"] = ["name": "fromdisk", "source": "push://"]
        usleep(20_000)
        try Data(JSONWriter.pretty(edited).utf8).write(to: controller.configFile)
        #expect(
            waitFor(seconds: 5) {
                ((try? controller.call(#"{"streams": true}"#, path: "/api2")) ?? .null)["streams"].hasMember("fromdisk")
            })
        // A change through the API without `save` is written when the controller stops.
        _ = try controller.call(#"{"addstream": {"unsaved": {"source": "push://"}}}"#)
        controller.stop()
        let stored = try JSONParser.parse(Array(Data(contentsOf: controller.configFile)))
        #expect(stored["streams"].hasMember("unsaved"))
        #expect(stored["streams"].hasMember("fromdisk"))
    }

    @Test func firstStartOnATerminalAsksForAnAccount() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("config.json")
        let port = ControllerHarness.freePort()
        let binary = BinaryTests.directory.appendingPathComponent("MistController").path
        // `script` gives the controller a terminal; the answer "t" sets up a test server.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qfec", "\(binary) -c \(config.path) -p \(port) -i 127.0.0.1", "/dev/null"]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "MIST_SHM_FOLDER": folder.appendingPathComponent("shm").path
        ]) { $1 }
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var seen = ""
        #expect(
            waitFor {
                seen += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
                return seen.contains("do you want to create an account?")
            })
        input.fileHandleForWriting.write(Data("t\n".utf8))
        #expect(waitFor { ControllerHarness.portAccepts(port) })
        let reply = try HTTPTestClient(port: port).call(#"{"streams": true, "config": true}"#, path: "/api2").json()
        #expect(reply["streams"]["live"]["source"] == "push://")
        #expect(reply["config"]["protocols"][0]["debug"] == 4)
        let stored = try JSONParser.parse(Array(Data(contentsOf: config)))
        #expect(stored["account"]["test"]["password"] == .string(md5Hex("test")))
        _ = try HTTPTestClient(port: port).call(#"{"shutdown": true}"#)
        #expect(waitFor { !process.isRunning })
    }
}

/// Lower-case hex MD5 through the system's md5sum, independent of the code under test.
func md5Hex(_ text: String) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/md5sum")
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    let reader = BoundedWait.PipeReader(output)
    try? process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try? input.fileHandleForWriting.close()
    BoundedWait.exit(process, seconds: 30, "md5sum")
    let data = reader.result("md5sum")
    return String(String(decoding: data, as: UTF8.self).prefix(32))
}
