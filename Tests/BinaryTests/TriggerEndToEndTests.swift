import Foundation
import MistData
import Testing

/// Triggers with real handlers: an HTTP handler that records and answers, and an executable
/// that appends what it gets to a file; real ffmpeg pushes and plays.
@Suite(.serialized) struct TriggerEndToEndTests {
    @Test(.enabled(if: MediaTools.available)) func triggersGateAndReportPushesAndViewers() throws {
        let folder = try MediaTools.temporaryFolder("triggers")
        defer { try? FileManager.default.removeItem(at: folder) }
        let recorder = try TriggerRecorder { call in
            switch call.trigger {
            case "STREAM_PUSH": return call.lines.count > 3 && call.lines[3].hasSuffix("?key=secret") ? "true" : "false"
            case "USER_NEW": return call.lines.count > 2 && call.lines[2] == "good" ? "true" : "false"
            case "DEFAULT_STREAM": return "live"
            case "STREAM_ADD": return call.lines.first == "forbidden" ? "false" : "true"
            case "STREAM_SOURCE": return ""
            default: return "true"
            }
        }
        // The executable handler: its argument and stdin, appended to a file; it answers true.
        let script = folder.appendingPathComponent("handler.sh")
        let record = folder.appendingPathComponent("executable.log")
        // Handlers may run at the same time: each record goes in with one append.
        try
            "#!/bin/sh\n{ echo \"== $1 $MIST_TRIGGER\"; cat; echo; } > \(record.path).$$\ncat \(record.path).$$ >> \(record.path)\nrm \(record.path).$$\necho true\n"
            .write(
                to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o755)
        let rtmpPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        func http(_ blocking: Bool, streams: [String] = []) -> String {
            "{\"handler\": \"\(recorder.url)\", \"sync\": \(blocking), \"streams\": [\(streams.map { "\"\($0)\"" }.joined(separator: ","))]}"
        }
        let executable = "{\"handler\": \"\(script.path)\", \"sync\": true}"
        try Data("not an mp4 file at all".utf8).write(to: folder.appendingPathComponent("broken.mp4"))
        try Data().write(to: folder.appendingPathComponent("empty.pls"))
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "triggers": {
                    "SYSTEM_START": [\(executable)], "OUTPUT_START": [\(executable)],
                    "STREAM_ADD": [\(http(true))], "STREAM_PUSH": [\(http(true, streams: ["live"]))],
                    "STREAM_READY": [\(http(true))], "LIVE_TRACK_LIST": [\(http(false))],
                    "USER_NEW": [\(http(true))], "DEFAULT_STREAM": [\(http(true))],
                    "CONN_OPEN": [\(http(true))], "CONN_CLOSE": [\(http(false))], "CONN_PLAY": [\(http(true))],
                    "STREAM_BUFFER": [\(http(false))], "INPUT_ABORT": [\(http(false))],
                    "CONN_STOP": [\(http(false))], "STREAM_LOAD": [\(http(true))], "STREAM_SOURCE": [\(http(true))],
                    "LIVE_BANDWIDTH": [{"handler": "\(recorder.url)", "sync": true, "params": "1000"}]}},
                 "streams": {"live": {"name": "live", "source": "push://"},
                             "broken": {"name": "broken", "source": "\(folder.path)/broken.mp4"},
                             "emptylist": {"name": "emptylist", "source": "\(folder.path)/empty.pls"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) && ControllerHarness.portAccepts(httpPort) })

        // STREAM_ADD: the handler refuses one name.
        _ = try controller.call(
            #"{"addstream": {"forbidden": {"source": "push://"}, "allowed": {"source": "push://"}}}"#)
        let streams = try controller.call(#"{"streams": true}"#)["streams"]
        #expect(streams.hasMember("allowed") && !streams.hasMember("forbidden"))
        #expect(recorder.calls("STREAM_ADD").map(\.lines).contains(["allowed", #"{"source":"push://"}"#]))

        // A push with the wrong key is refused by STREAM_PUSH; the right one goes in.
        let wrong = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live?key=wrong", seconds: 3,
            log: folder.appendingPathComponent("wrong.log"))
        #expect(RTMPEndToEndTests.finish(wrong, seconds: 20))
        #expect(wrong.terminationStatus != 0)
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live?key=secret", seconds: 10,
            log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        let pushes = recorder.calls("STREAM_PUSH")
        #expect(pushes.count == 2)
        #expect(
            pushes.last?.lines == ["live", "127.0.0.1", "RTMP", "rtmp://127.0.0.1:\(rtmpPort)/live/live?key=secret"])
        #expect(pushes.last?.headers["x-trigger-uuid"]?.count == 36 && pushes.last?.headers["x-pid"] != nil)

        // USER_NEW lets the good token in and keeps the bad one out; DEFAULT_STREAM sends an
        // unknown stream to the live one.
        let good = folder.appendingPathComponent("good.ts")
        try MediaTools.make(
            [
                "-i", "http://127.0.0.1:\(httpPort)/live.ts?tkn=good", "-t", "1", "-c", "copy", "-f", "mpegts",
                good.path,
            ],
            log: folder.appendingPathComponent("good.log"))
        #expect(try MediaTools.report(good.path)["video"]?.codec == "h264")
        let refused = try HTTPTestClient(port: httpPort).get("/live.ts?tkn=bad")
        #expect(refused.status == 403)
        let redirected = folder.appendingPathComponent("fallback.ts")
        try MediaTools.make(
            [
                "-i", "http://127.0.0.1:\(httpPort)/missing.ts?tkn=good", "-t", "1", "-c", "copy", "-f", "mpegts",
                redirected.path,
            ], log: folder.appendingPathComponent("fallback.log"))
        #expect(try MediaTools.report(redirected.path)["video"]?.codec == "h264")

        // A viewer that stays until the push ends sees the stream end (CONN_STOP).
        let lingering = try MediaTools.ffmpeg(
            ["-i", "http://127.0.0.1:\(httpPort)/live.ts?tkn=good", "-c", "copy", "-f", "null", "-"],
            log: folder.appendingPathComponent("lingering.log"))
        defer { BoundedWait.stop(lingering) }

        let users = recorder.calls("USER_NEW")
        let goodUser = try #require(users.first { $0.lines.count > 2 && $0.lines[2] == "good" })
        #expect(goodUser.lines.count == 7 && goodUser.lines[0] == "live" && goodUser.lines[1] == "127.0.0.1")
        #expect(goodUser.lines[3] == "HTTPTS" && goodUser.lines[6] == "false")
        #expect(goodUser.lines[4].hasPrefix("http://127.0.0.1:\(httpPort)/live.ts?tkn=good"))
        #expect(goodUser.lines[5].count == 64 && goodUser.lines[5].allSatisfy(\.isHexDigit))
        #expect(users.contains { $0.lines.count > 2 && $0.lines[2] == "bad" })
        let defaults = recorder.calls("DEFAULT_STREAM")
        #expect(defaults.contains { $0.lines.count == 5 && $0.lines[1] == "missing" && $0.lines[3] == "HTTPTS" })

        #expect(RTMPEndToEndTests.finish(push, seconds: 30))
        // Stream and connection events, line by line.
        #expect(recorder.calls("STREAM_READY").contains { $0.lines == ["live", "Buffer"] })
        let trackList = try #require(recorder.calls("LIVE_TRACK_LIST").first)
        #expect(trackList.lines.first == "live" && trackList.payload.hasSuffix("\n"))
        let tracks = try JSONParser.parse(Array(trackList.lines[1].utf8))
        #expect(tracks.count == 2 && (tracks.objectValue?.contains { $0.value["codec"] == "H264" } ?? false))
        #expect(recorder.calls("CONN_OPEN").contains { $0.lines.count == 4 && $0.lines[2] == "HTTPTS" })
        #expect(waitFor { recorder.calls("CONN_CLOSE").contains { $0.lines.first == "live" && $0.lines.count == 4 } })
        #expect(recorder.calls("CONN_PLAY").contains { $0.lines.first == "live" })

        let full = try #require(recorder.calls("STREAM_BUFFER").first { $0.lines.count > 1 && $0.lines[1] == "FULL" })
        let health = try JSONParser.parse(Array(full.lines[2].utf8))
        #expect(health["tracks"].count == 2 && (health["buffer"].intValue ?? 0) > 0)
        #expect(
            waitFor(seconds: 40) {
                recorder.calls("STREAM_BUFFER").contains { $0.lines.count == 3 && $0.lines[1] == "EMPTY" }
            })
        let bandwidth = try #require(recorder.calls("LIVE_BANDWIDTH").first)
        #expect(bandwidth.lines.count == 2 && bandwidth.lines[0] == "live" && (Int(bandwidth.lines[1]) ?? 0) > 1000)

        #expect(
            waitFor(seconds: 20) { recorder.calls("CONN_STOP").contains { $0.lines.first == "live" } },
            "the viewer still playing when the push ended")
        #expect(recorder.calls("CONN_STOP").first?.lines == ["live", "127.0.0.1", "HTTPTS", ""])

        // An input that cannot read its file reports INPUT_ABORT before it exits.
        #expect(try HTTPTestClient(port: httpPort).get("/broken.ts?tkn=good").status == 404)
        #expect(waitFor { !recorder.calls("INPUT_ABORT").isEmpty })
        let abort = try #require(recorder.calls("INPUT_ABORT").first)
        #expect(abort.lines.count == 6 && abort.lines[0] == "broken" && abort.lines[2] == "MistInMP4")
        #expect(
            abort.lines[1].hasSuffix("broken.mp4") && Int(abort.lines[3]) != nil && abort.lines[4] == "FORMAT_SPECIFIC")

        // Every payload has the shape of MistServer's captures, or of what its code sends where no
        // capture shows it (the buffer's EMPTY at its end also carries the last millisecond).
        TriggerShape.expectCapturedShapes(
            recorder,
            [
                "STREAM_ADD", "STREAM_PUSH", "USER_NEW", "STREAM_READY", "LIVE_TRACK_LIST", "CONN_OPEN", "CONN_CLOSE",
                "CONN_PLAY", "CONN_STOP", "STREAM_BUFFER", "LIVE_BANDWIDTH", "STREAM_LOAD", "STREAM_SOURCE",
            ],
            also: [
                "STREAM_BUFFER": [[.text, .text, .number]],
                // The viewers here name their tokens ("good"); generated ones are numbers.
                "USER_NEW": [[.text, .text, .text, .text, .url, .sessionID, .text]],
            ])

        // A live pull that cannot go on (a playlist with no entries) reports INPUT_ABORT too.
        _ = try? HTTPTestClient(port: httpPort).get("/emptylist.ts?tkn=good")
        #expect(waitFor { recorder.calls("INPUT_ABORT").contains { $0.lines.first == "emptylist" } })
        let emptyAbort = try #require(recorder.calls("INPUT_ABORT").first { $0.lines.first == "emptylist" })
        #expect(emptyAbort.lines.count == 6 && emptyAbort.lines[2] == "MistInPlaylist", "\(emptyAbort.lines)")
        #expect(emptyAbort.lines.last?.contains("no entries") == true)

        // The executable got its trigger name as argument and the payload on stdin.
        let log = try String(contentsOf: record, encoding: .utf8)
        #expect(log.contains("== SYSTEM_START SYSTEM_START\n3.10\n"))
        #expect(log.contains("== OUTPUT_START OUTPUT_START\n{\"connector\":\"HTTP\""))
    }

    @Test(.enabled(if: MediaTools.available)) func customVariablesInSourcesAndTriggerURLs() throws {
        let folder = try MediaTools.temporaryFolder("variables")
        defer { try? FileManager.default.removeItem(at: folder) }
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2", "-c:v", "libx264", "-preset",
                "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", folder.appendingPathComponent("movie.mp4").path,
            ], log: folder.appendingPathComponent("make.log"))
        let recorder = try TriggerRecorder { _ in "true" }
        // A command whose output changes every time it runs.
        let counter = folder.appendingPathComponent("counter.sh")
        try
            "#!/bin/sh\nn=$(cat \(folder.path)/n 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > \(folder.path)/n\necho \"  run $n  \"\n"
            .write(to: counter, atomically: true, encoding: .utf8)
        chmod(counter.path, 0o755)
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "triggers": {"STREAM_LOAD": [{"handler": "http://127.0.0.1:\(recorder.port)/$basename/${greeting}/$wildcard",
                                                 "sync": true}]}},
                 "streams": {"clips": {"name": "clips", "source": "\(folder.path)/$wildcard.mp4"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        // Static and command-based variables through the API.
        let added = try controller.call(#"{"variable_add": ["greeting", "hello"]}"#)
        #expect(added["variable_list"]["greeting"]["value"] == "hello")
        _ = try controller.call("{\"variable_add\": [\"counter\", \"\(counter.path)\", 1]}")
        #expect(
            waitFor(seconds: 10) {
                (try? controller.call(#"{"variable_list": true}"#)["variable_list"]["counter"]["value"]) == "run 1"
            })
        #expect(
            waitFor(seconds: 10) {
                let value =
                    (try? controller.call(#"{"variable_list": true}"#)["variable_list"]["counter"]["value"].stringValue)
                    ?? ""
                return value.hasPrefix("run ") && value != "run 1"
            }, "the command ran again and its new output is the value")
        let refused = try controller.call(#"{"variable_add": ["bad name!", "x"]}"#)
        #expect(refused["error"].asString.contains("letters"))
        // The source names the file through $wildcard; the trigger URL through $basename and a custom variable.
        usleep(1_200_000)
        let report = try MediaTools.report("http://127.0.0.1:\(httpPort)/clips+movie.ts")
        #expect(report["video"]?.pts.count == 50)
        #expect(
            recorder.calls("STREAM_LOAD").contains { $0.path == "/clips/hello/movie" && $0.payload == "clips+movie" })
        _ = try controller.call(#"{"variable_remove": "counter"}"#)
        #expect(try controller.call(#"{"variable_list": true}"#)["variable_list"].hasMember("counter") == false)
    }

    @Test(.enabled(if: MediaTools.available)) func rewritesSourcesAndLifecycleTriggers() throws {
        let folder = try MediaTools.temporaryFolder("moretriggers")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("real.mp4")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2", "-c:v", "libx264", "-preset",
                "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", file.path,
            ], log: folder.appendingPathComponent("make.log"))
        let rtmpPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let dtscPort = ControllerHarness.freePort()
        let recorder = try TriggerRecorder { call in
            switch call.trigger {
            // The published RTMP name is a secret key; the rewrites map it to the public stream.
            case "RTMP_PUSH_REWRITE": return call.lines[0].replacingOccurrences(of: "/hidden", with: "/secretkey")
            case "PUSH_REWRITE": return call.lines.count > 2 && call.lines[2] == "secretkey" ? "live" : ""
            case "PLAY_REWRITE": return call.lines[0] == "alias" ? "live" : call.lines[0]
            case "STREAM_SOURCE": return call.lines[0] == "dyn" ? file.path : ""
            default: return "true"
            }
        }
        func handler(_ sync: Bool) -> String { "[{\"handler\": \"\(recorder.url)\", \"sync\": \(sync)}]" }
        let names = [
            "RTMP_PUSH_REWRITE", "PUSH_REWRITE", "PLAY_REWRITE", "STREAM_SOURCE", "STREAM_CONFIG", "STREAM_REMOVE",
            "STREAM_UNLOAD", "OUTPUT_STOP", "SYSTEM_STOP", "CONN_OPEN", "CONN_PLAY", "CONN_CLOSE",
        ]
        let triggers = names.map { "\"\($0)\": \(handler(true))" }.joined(separator: ", ")
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"},
                    {"connector": "DTSC", "port": \(dtscPort), "interface": "127.0.0.1"}],
                  "triggers": {\(triggers)}},
                 "streams": {"live": {"name": "live", "source": "push://"},
                             "dyn": {"name": "dyn", "source": "/nowhere/missing.mp4"},
                             "pulled": {"name": "pulled", "source": "dtsc://127.0.0.1:\(dtscPort)/live"},
                             "spare": {"name": "spare", "source": "push://"}}}
                """)
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) && ControllerHarness.portAccepts(httpPort) })

        // The push goes out under a secret name and lands in the public stream.
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/hidden", seconds: 12, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        let rtmpRewrite = try #require(recorder.calls("RTMP_PUSH_REWRITE").first)
        #expect(rtmpRewrite.lines == ["rtmp://127.0.0.1:\(rtmpPort)/live/hidden", "127.0.0.1"])
        let pushRewrite = try #require(recorder.calls("PUSH_REWRITE").first)
        #expect(pushRewrite.lines == ["rtmp://127.0.0.1:\(rtmpPort)/live/secretkey", "127.0.0.1", "secretkey"])
        // A viewer of the alias watches the live stream.
        let alias = folder.appendingPathComponent("alias.ts")
        try MediaTools.make(
            ["-i", "http://127.0.0.1:\(httpPort)/alias.ts", "-t", "1", "-c", "copy", "-f", "mpegts", alias.path],
            log: folder.appendingPathComponent("alias.log"))
        #expect(try MediaTools.report(alias.path)["video"]?.codec == "h264")
        #expect(
            recorder.calls("PLAY_REWRITE").contains {
                $0.lines.count == 4 && $0.lines[0] == "alias" && $0.lines[2] == "HTTPTS"
            })

        // A DTSC player (a pull of the stream by this server's own DTSC input) goes through the
        // play triggers too, as connector DTSC.
        let pulled = folder.appendingPathComponent("pulled.ts")
        try MediaTools.make(
            ["-i", "http://127.0.0.1:\(httpPort)/pulled.ts", "-t", "1", "-c", "copy", "-f", "mpegts", pulled.path],
            log: folder.appendingPathComponent("pulled.log"))
        #expect(try MediaTools.report(pulled.path)["video"]?.codec == "h264")
        for trigger in ["PLAY_REWRITE", "CONN_OPEN", "CONN_PLAY"] {
            #expect(
                recorder.calls(trigger).contains {
                    $0.lines.count == 4 && $0.lines[0] == "live" && $0.lines[2] == "DTSC"
                },
                "\(trigger) for the DTSC player")
        }

        // STREAM_SOURCE gives the source of a stream configured with one that does not exist.
        let dyn = try MediaTools.report("http://127.0.0.1:\(httpPort)/dyn.ts")
        #expect(dyn["video"]?.pts.count == 50)
        #expect(recorder.calls("STREAM_SOURCE").contains { $0.lines == ["dyn"] })
        // Stopping that input: STREAM_UNLOAD, uncancelable, with the input's name.
        for pid in ControllerHarness.processes(containing: ["MistInMP4", file.path]) { kill(pid, SIGTERM) }
        #expect(waitFor { recorder.calls("STREAM_UNLOAD").contains { $0.lines.first == "dyn" } })
        let unload = try #require(recorder.calls("STREAM_UNLOAD").first { $0.lines.first == "dyn" })
        #expect(unload.lines.count == 3 && unload.lines[1] == "MP4" && unload.lines[2].hasPrefix("uncancelable"))

        // Configuration changes through the API.
        _ = try controller.call(#"{"addstream": {"spare": {"source": "push://127.0.0.1"}}}"#)
        #expect(recorder.calls("STREAM_CONFIG").contains { $0.lines == ["spare", #"{"source":"push://127.0.0.1"}"#] })
        _ = try controller.call(#"{"deletestream": ["spare"]}"#)
        #expect(recorder.calls("STREAM_REMOVE").contains { $0.lines == ["spare"] })
        _ = try controller.call(
            "{\"deleteprotocol\": {\"connector\": \"DTSC\", \"port\": \(dtscPort), \"interface\": \"127.0.0.1\"}}")
        #expect(waitFor { recorder.calls("OUTPUT_STOP").contains { $0.payload.contains("\"connector\":\"DTSC\"") } })

        #expect(RTMPEndToEndTests.finish(push, seconds: 30))
        controller.stop()
        TriggerShape.expectCapturedShapes(recorder, ["STREAM_UNLOAD", "STREAM_REMOVE", "STREAM_SOURCE"])
        let stop = try #require(recorder.calls("SYSTEM_STOP").first)
        #expect(stop.lines.count == 1 && stop.lines[0].contains("signal"))
    }
}
