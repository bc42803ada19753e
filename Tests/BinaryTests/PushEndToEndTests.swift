import Foundation
import MistData
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Pushes out and recordings under the controller: ffmpeg pushes RTMP, the server records it
/// to split TS, FLV and MP4 files, re-streams it over RTMP to itself and records a second
/// stream by an automatic rule; ffprobe checks every file.
@Suite(.serialized) struct PushEndToEndTests {
    @Test(.enabled(if: MediaTools.available)) func recordingsRestreamsAndAutomaticPushes() throws {
        let folder = try MediaTools.temporaryFolder("pushes")
        defer { try? FileManager.default.removeItem(at: folder) }
        // PUSH_OUT_START renames one target, refuses another and keeps the rest.
        let recorder = try TriggerRecorder { call in
            guard call.trigger == "PUSH_OUT_START", call.lines.count > 1 else { return "true" }
            let target = call.lines[1]
            if target.hasSuffix("/refuse.ts") { return "" }
            if target.hasSuffix("/original.ts") { return String(target.dropLast("original.ts".count)) + "rewritten.ts" }
            return target
        }
        let rtmpPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let dtscPort = ControllerHarness.freePort()
        let handler = "{\"handler\": \"\(recorder.url)\", \"sync\": false}"
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"},
                    {"connector": "DTSC", "port": \(dtscPort), "interface": "127.0.0.1"}],
                  "triggers": {"RECORDING_END": [\(handler)], "PUSH_END": [\(handler)], "OUTPUT_END": [\(handler)],
                               "CONN_OPEN": [\(handler)], "CONN_CLOSE": [\(handler)],
                               "PUSH_OUT_START": [{"handler": "\(recorder.url)", "sync": true}]}},
                 "streams": {"live": {"name": "live", "source": "push://"}, "copy": {"name": "copy", "source": "push://"},
                             "viadtsc": {"name": "viadtsc", "source": "push://"},
                             "other": {"name": "other", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) && ControllerHarness.portAccepts(httpPort) })
        // An external writer: a script that copies its stdin to a file named after the URL.
        let copier = folder.appendingPathComponent("copier.sh")
        try "#!/bin/sh\ncat > \"\(folder.path)/uploaded_$(basename \"$1\")\"\n".write(
            to: copier, atomically: true, encoding: .utf8)
        chmod(copier.path, 0o755)
        let writers = try controller.call(
            "{\"external_writer_add\": {\"name\": \"copier\", \"cmdline\": \"\(copier.path)\", \"protocols\": [\"fake\"]}}"
        )
        #expect(writers["external_writer_list"] == [[.string("copier"), .string(copier.path), ["fake"]]])
        // An automatic rule for a stream that is not there yet.
        let rule = try controller.call(
            "{\"push_auto_add\": {\"stream\": \"other\", \"target\": \"\(folder.path)/auto_$stream.ts\"}}")
        #expect(rule["auto_push"].count == 1)
        #expect(rule["push_auto_list"] == [["other", .string("\(folder.path)/auto_$stream.ts")]])
        // A rule whose end rule holds never starts.
        _ = try controller.call(#"{"variable_add": ["gate", "closed"]}"#)
        let gated = try controller.call(
            "{\"push_auto_add\": {\"stream\": \"live\", \"target\": \"\(folder.path)/gated.ts\", \"end_rule\": [\"gate\", 2, \"closed\"]}}"
        )
        #expect(gated["auto_push"].count == 2)
        // push_auto_remove takes an entry as it was added, or a stream name for all its rules.
        _ = try controller.call(
            #"{"push_auto_add": [["xtra", "/tmp/a.ts"], ["xtra", "/tmp/b.ts"], ["keep", "/tmp/c.ts"]]}"#)
        #expect(try controller.call(#"{"push_auto_list": true}"#)["auto_push"].count == 5)
        let byEntry = try controller.call(#"{"push_auto_remove": [{"stream": "xtra", "target": "/tmp/a.ts"}]}"#)
        #expect(byEntry["auto_push"].count == 4 && !byEntry.hasMember("error"))
        _ = try controller.call(#"{"push_auto_remove": ["xtra", "keep"]}"#)
        #expect(try controller.call(#"{"push_auto_list": true}"#)["auto_push"].count == 2)

        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 14, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        for (format, target) in [
            ("ts", "\(folder.path)/rec_$segmentCounter.ts?split=5"),
            ("flv", "\(folder.path)/rec_$segmentCounter.flv?split=5"),
            ("mp4", "\(folder.path)/rec_$segmentCounter.mp4?split=5"),
            ("rtmp", "rtmp://127.0.0.1:\(rtmpPort)/live/copy"),
            ("killed", "\(folder.path)/killed.mp4"), ("bad", "/proc/nowhere/x.ts"), ("external", "fake://bucket/up.ts"),
            ("hls", "\(folder.path)/hls/show.m3u8?split=4"), ("dtsc", "dtsc://127.0.0.1:\(dtscPort)/viadtsc"),
            ("rewritten", "\(folder.path)/original.ts"), ("refused", "\(folder.path)/refuse.ts"),
        ] {
            let reply = try controller.call("{\"push_start\": [\"live\", \"\(target)\"]}")
            #expect(!reply.hasMember("error") && !reply.hasMember("push_list"), "\(format)")
        }
        let list = try controller.call(#"{"push_list": true}"#)["push_list"].arrayValue ?? []
        #expect(list.contains { $0[1] == "live" && $0[2].asString.hasSuffix("rec_$segmentCounter.ts?split=5") })
        let other = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/other", seconds: 6, log: folder.appendingPathComponent("other.log"))
        defer { if other.isRunning { other.terminate() } }
        // The DTSC push feeds a stream of this server too.
        #expect(RTMPEndToEndTests.waitForActive(controller, "viadtsc"))
        let dtscInfo = try HTTPTestClient(port: httpPort).get("/json_viadtsc.js").json()
        #expect(dtscInfo["type"] == "live" && dtscInfo["width"] == 640)
        // The re-stream plays while it runs.
        #expect(RTMPEndToEndTests.waitForActive(controller, "copy"))
        let copy = folder.appendingPathComponent("copy.ts")
        try MediaTools.make(
            ["-i", "http://127.0.0.1:\(httpPort)/copy.ts", "-t", "3", "-c", "copy", "-f", "mpegts", copy.path],
            log: folder.appendingPathComponent("copy.log"))
        #expect(try MediaTools.report(copy.path)["video"]?.codec == "h264")
        // A recorder killed outright leaves a file that plays up to its last fragment.
        let killed = list.first { $0[2].asString.hasSuffix("killed.mp4") }.flatMap { $0[0].intValue }
        #expect(killed != nil)
        if let killed { kill(pid_t(killed), SIGKILL) }

        #expect(RTMPEndToEndTests.finish(push, seconds: 40))
        #expect(RTMPEndToEndTests.finish(other, seconds: 40))
        #expect(waitFor(seconds: 20) { (try? controller.call(#"{"push_list": true}"#)["push_list"].isNull) == true })

        for format in ["ts", "flv", "mp4"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasPrefix("rec_") && $0.hasSuffix(".\(format)") }.sorted()
            #expect(files.count >= 2, "\(format): \(files)")
            var total = 0.0
            var previousEnd: Double?
            for file in files {
                let video = try #require(
                    try MediaTools.report(folder.appendingPathComponent(file).path)["video"], "\(file)")
                #expect(video.codec == "h264" && video.width == 640, "\(file)")
                let start = video.dts.first ?? 0
                let end = (video.dts.last ?? 0) + 0.04
                total += end - start
                if let previousEnd, format != "ts" {
                    #expect(abs(start - previousEnd) < 0.05, "\(file) continues at \(start)")
                }
                previousEnd = end
                #expect(
                    try MediaTools.decodeErrors(
                        folder.appendingPathComponent(file).path, log: folder.appendingPathComponent("\(file).decode")
                    )
                    .isEmpty, "\(file)")
            }
            #expect(total > 9 && total < 14.1, "\(format): \(total) s recorded")
        }
        let killedVideo = try MediaTools.report(folder.appendingPathComponent("killed.mp4").path)["video"]
        #expect((killedVideo?.pts.count ?? 0) >= 25, "the killed recording plays its complete fragments")
        // The HLS recording: a complete VOD playlist of 4 s segments that plays as a whole.
        let hlsPlaylist = try String(contentsOf: folder.appendingPathComponent("hls/show.m3u8"), encoding: .utf8)
        #expect(hlsPlaylist.contains("#EXT-X-ENDLIST") && hlsPlaylist.contains("show_0.ts"))
        let hlsVideo = try MediaTools.report(folder.appendingPathComponent("hls/show.m3u8").path)["video"]
        #expect((hlsVideo?.pts.count ?? 0) > 200, "\(hlsVideo?.pts.count ?? 0) frames in the HLS recording")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("gated.ts").path))
        #expect(
            (try MediaTools.report(folder.appendingPathComponent("rewritten.ts").path)["video"]?.pts.count ?? 0) > 100)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("original.ts").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("refuse.ts").path))
        #expect(recorder.calls("PUSH_OUT_START").contains { $0.lines == ["live", "\(folder.path)/original.ts"] })
        #expect(controller.log.contains("PUSH_OUT_START refused the push of live"))
        // The unwritable path's error is in the API's log too.
        let log = try controller.call(#"{"log": true}"#)["log"].arrayValue ?? []
        #expect(log.contains { $0[2].asString.contains("cannot open /proc/nowhere/x.ts") })
        let uploaded = try MediaTools.report(folder.appendingPathComponent("uploaded_up.ts").path)
        #expect((uploaded["video"]?.pts.count ?? 0) > 100, "the external writer got a playable file")
        let auto = try MediaTools.report(folder.appendingPathComponent("auto_other.ts").path)
        #expect((auto["video"]?.pts.count ?? 0) > 50, "the automatic rule recorded the second stream")
        // The unwritable target is reported, and nothing else suffered.
        #expect(controller.log.contains("cannot open /proc/nowhere/x.ts"))
        // RECORDING_END per finished file, PUSH_END per push.
        #expect(waitFor { recorder.calls("RECORDING_END").count >= 6 })
        let ended = try #require(
            recorder.calls("RECORDING_END").first { $0.lines.count > 2 && $0.lines[1].hasSuffix("rec_0.mp4") })
        #expect(ended.lines.count == 13 && ended.lines[0] == "live" && ended.lines[2] == "MP4" && ended.lines[12] == "")
        #expect((Int(ended.lines[3]) ?? 0) > 10_000 && (Int(ended.lines[7]) ?? 0) >= 4000)
        #expect(recorder.calls("PUSH_END").contains { $0.lines.count == 6 && $0.lines[1] == "live" })
        // Each PUSH_END carries the push's last log messages and its last status.
        let pushEnd = try #require(
            recorder.calls("PUSH_END").first { $0.lines.count == 6 && $0.lines[2].hasSuffix("/live/copy") })
        let messages = try JSONParser.parse(Array(pushEnd.lines[4].utf8))
        #expect((messages.arrayValue ?? []).contains { $0[5].asString.hasPrefix("MistOut") }, "\(pushEnd.lines[4])")
        let lastStatus = try JSONParser.parse(Array(pushEnd.lines[5].utf8))
        #expect(
            (lastStatus["bytes"].intValue ?? 0) > 0 && lastStatus["current_target"].asString.hasSuffix("/live/copy"))
        #expect((lastStatus["media_tx"].intValue ?? 0) > 1000, "\(lastStatus)")
        let restream = try #require(recorder.calls("OUTPUT_END").first { $0.lines.count > 2 && $0.lines[2] == "RTMP" })
        #expect(restream.lines.count == 13 && restream.lines[1] == "rtmp://127.0.0.1:\(rtmpPort)/live/copy")
        #expect((Int(restream.lines[3]) ?? 0) > 100_000 && restream.lines[10].hasPrefix("CLEAN"))
        // Recordings and pushes open and close as connections without an address or URL.
        #expect(recorder.calls("CONN_OPEN").contains { $0.lines == ["live", "", "HTTPTS", ""] })
        #expect(recorder.calls("CONN_CLOSE").contains { $0.lines == ["live", "", "RTMP", ""] })
        TriggerShape.expectCapturedShapes(
            recorder, ["PUSH_OUT_START", "RECORDING_END", "PUSH_END", "OUTPUT_END", "CONN_OPEN", "CONN_CLOSE"],
            also: ["CONN_CLOSE": [[.text, .empty, .text, .empty]]])
    }

    /// `push_stop_graceful` (by id or by stream) hangs a push up: an RTMP push unpublishes
    /// before it disconnects, so the receiving server ends the stream at once.
    @Test(.enabled(if: MediaTools.available)) func gracefulStopsUnpublishFirst() throws {
        let folder = try MediaTools.temporaryFolder("graceful")
        defer { try? FileManager.default.removeItem(at: folder) }
        let rtmpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"},
                             "copy": {"name": "copy", "source": "push://"}, "again": {"name": "again", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) })
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 40, log: folder.appendingPathComponent("push.log"))
        defer { BoundedWait.stop(push) }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        for (name, stop) in [("copy", "id"), ("again", "stream")] {
            _ = try controller.call("{\"push_start\": [\"live\", \"rtmp://127.0.0.1:\(rtmpPort)/live/\(name)\"]}")
            #expect(RTMPEndToEndTests.waitForActive(controller, name), "\(name)")
            let list = try controller.call(#"{"push_list": true}"#)["push_list"].arrayValue ?? []
            let id = try #require(list.first { $0[3].asString.hasSuffix("/live/\(name)") }?[0].intValue)
            _ = try controller.call(
                stop == "id" ? #"{"push_stop_graceful": [\#(id)]}"# : #"{"push_stop_graceful": "live"}"#)
            #expect(
                waitFor(seconds: 10) {
                    controller.log.contains("ended its publish of \(name)")
                        && ((try? controller.call(#"{"push_list": true}"#)["push_list"].count) ?? 1) == 0
                }, "\(name) stopped by \(stop)")
        }
        #expect(push.isRunning, "the source push goes on")
    }

    /// `push_settings.maxspeed` caps how many automatic pushes start a round (a second); the
    /// others start in the rounds after.
    @Test(.enabled(if: MediaTools.available)) func maxspeedStartsAutomaticPushesOneARound() throws {
        let folder = try MediaTools.temporaryFolder("maxspeed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let rtmpPort = ControllerHarness.freePort()
        let first = folder.appendingPathComponent("first.ts").path
        let second = folder.appendingPathComponent("second.ts").path
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"}},
                 "push_settings": {"wait": 3, "maxspeed": 1},
                 "auto_push": {"a": {"stream": "live", "target": "\(first)"},
                               "b": {"stream": "live", "target": "\(second)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) })
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 12, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        func running() -> Int { (try? controller.call(#"{"push_list": true}"#))?["push_list"].arrayValue?.count ?? 0 }
        // The first round starts one push; the second one comes a round later.
        #expect(waitFor(seconds: 20) { running() > 0 })
        #expect(running() == 1)
        #expect(waitFor(seconds: 5) { running() == 2 })
        let targets = Set(
            (try controller.call(#"{"push_list": true}"#)["push_list"].arrayValue ?? []).map { $0[2].asString })
        #expect(targets == [first, second])
    }
}
