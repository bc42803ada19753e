import Foundation
import MistData
import Testing

/// Stream keys as every ingest checks them: a push to a key reaches its stream (configured or
/// not) without PUSH_REWRITE, STREAM_PUSH or the `push://` rules, and a key-only stream
/// (`push://invalid,host`) refuses pushes by its own name.
@Suite(.serialized) struct StreamKeyTests {
    @Test(.enabled(if: MediaTools.available)) func pushesWithAKeyReachTheirStream() throws {
        let recorder = try TriggerRecorder { _ in "false" }
        let rtmpPort = ControllerHarness.freePort()
        let rtspPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "RTSP", "port": \(rtspPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "triggers": {"STREAM_PUSH": [{"handler": "\(recorder.url)", "sync": true}]}},
                 "streamkeys": {"s3cr3t": "unlisted", "k2": "keyonly"},
                 "streams": {"keyonly": {"name": "keyonly", "source": "push://invalid,host"}}}
                """)
        defer { controller.stop() }
        #expect(
            waitFor {
                ControllerHarness.portAccepts(rtmpPort) && ControllerHarness.portAccepts(rtspPort)
                    && ControllerHarness.portAccepts(httpPort)
            })
        let folder = controller.folder

        // A plain push to the key-only stream is refused (STREAM_PUSH says no as well).
        let plain = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/keyonly", seconds: 5, log: folder.appendingPathComponent("plain.log")
        )
        #expect(BoundedWait.exit(plain, seconds: 20, "refused push") && plain.terminationStatus != 0)

        // A key reaches a stream that is not configured at all, over RTMP.
        let keyed = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/s3cr3t", seconds: 30, log: folder.appendingPathComponent("keyed.log")
        )
        defer { BoundedWait.stop(keyed) }
        #expect(RTMPEndToEndTests.waitForActive(controller, "unlisted"))
        let info = try HTTPTestClient(port: httpPort).get("/json_unlisted.js").json()
        #expect((info["meta"]["tracks"].objectValue ?? JSONObject()).count == 2, "\(info)")

        // And the key-only stream over RTSP, by its key.
        let rtsp = try RTSPEndToEndTests.push(
            "rtsp://127.0.0.1:\(rtspPort)/k2", seconds: 30, log: folder.appendingPathComponent("rtsp.log"))
        defer { BoundedWait.stop(rtsp) }
        #expect(RTMPEndToEndTests.waitForActive(controller, "keyonly"))
        // STREAM_PUSH was asked only for the plain push.
        #expect(recorder.calls("STREAM_PUSH").allSatisfy { $0.lines.first == "keyonly" && $0.lines[2] == "RTMP" })
        #expect(!controller.log.contains("Refusing a push from 127.0.0.1: stream unlisted"))
    }
}

/// Viewers of a stream that is not there get another: the stream's `fallback_stream`, else the
/// server's `defaultStream` (with variables filled in).
@Suite(.serialized) struct FallbackStreamTests {
    @Test(.enabled(if: MediaTools.available)) func offlineStreamsFallBack() throws {
        let folder = try MediaTools.temporaryFolder("fallback")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("backup.mp4")
        try MediaTools.makeTestFile(movie, seconds: 2)
        let httpPort = ControllerHarness.freePort()
        let recorder = try TriggerRecorder { _ in "true" }
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "triggers": {"CONN_STOP": [{"handler": "\(recorder.url)", "sync": false}]},
                  "defaultStream": "$stream_backup"},
                 "streams": {
                    "live": {"name": "live", "source": "push://", "fallback_stream": "backup"},
                    "backup": {"name": "backup", "source": "\(movie.path)"},
                    "missing_backup": {"name": "missing_backup", "source": "\(movie.path)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        for (requested, expected) in [("live", "backup"), ("missing", "missing_backup")] {
            let started = Date()
            let answer = try HTTPTestClient(port: httpPort).get("/\(requested).mp4")
            #expect(answer.status == 200, "\(requested): \(answer.status)")
            let file = folder.appendingPathComponent("\(requested).mp4")
            try Data(answer.body).write(to: file)
            #expect(try MediaTools.report(file.path)["video"]?.codec == "h264", "\(requested)")
            #expect(Date().timeIntervalSince(started) < 15, "\(requested)")
            #expect(controller.log.contains("plays \(expected) instead"), "\(requested)")
        }
        // Each download reached the end of its file: CONN_STOP, in MistServer's payload.
        #expect(waitFor(seconds: 10) { recorder.calls("CONN_STOP").count == 2 })
        #expect(
            Set(recorder.calls("CONN_STOP").map(\.payload))
                == ["backup\n127.0.0.1\nMP4\n", "missing_backup\n127.0.0.1\nMP4\n"])
    }
}
