import Foundation
import MistData
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runtime stream tags: `tag_stream`, `untag_stream`, `stream_tags`, and the `#tag` matchers
/// of triggers and pushes.
@Suite struct StreamTagEndToEndTests {
    @Test(.enabled(if: MediaTools.available)) func tagsSteerTriggersAndPushes() throws {
        let folder = try MediaTools.temporaryFolder("streamtags")
        defer { try? FileManager.default.removeItem(at: folder) }
        let recorder = try TriggerRecorder { _ in "true" }
        let rtmpPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let base = "http://127.0.0.1:\(recorder.port)"
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "triggers": {"CONN_PLAY": [
                    {"handler": "\(base)/vip", "sync": false, "streams": ["#vip"]},
                    {"handler": "\(base)/other", "sync": false, "streams": ["#other"]}]}},
                 "streams": {"live": {"name": "live", "source": "push://", "tags": ["configured"]},
                             "later": {"name": "later", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) && ControllerHarness.portAccepts(httpPort) })

        // invalidate_sessions is answered (it once locked the configuration twice and stopped the
        // controller).
        _ = try controller.call(#"{"invalidate_sessions": true}"#)
        #expect(try controller.call(#"{"invalidate_sessions": true, "capabilities": true}"#)["capabilities"].isObject)

        // A tag for a stream that is not active yet waits for it (up to 60 s).
        _ = try controller.call(#"{"tag_stream": {"later": "queued"}}"#)
        #expect(try controller.call(#"{"stream_tags": "later"}"#)["stream_tags"]["later"] == [])

        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 20, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        // The configured tags come first; runtime ones are added and taken away.
        let tagged = try controller.call(#"{"tag_stream": {"live": ["vip", "extra"]}, "stream_tags": "live"}"#)
        #expect(tagged["stream_tags"]["live"] == ["configured", "extra", "vip"])
        let untagged = try controller.call(#"{"untag_stream": {"live": "extra"}, "stream_tags": ["live"]}"#)
        #expect(untagged["stream_tags"]["live"] == ["configured", "vip"])
        #expect(
            try controller.call(#"{"active_streams": ["tags"]}"#)["active_streams"]["live"] == [["configured", "vip"]])

        // A trigger filtered on #vip fires for the stream; one on #other does not.
        usleep(1_500_000)
        let viewer = try MediaTools.ffmpeg(
            ["-i", "http://127.0.0.1:\(httpPort)/live.ts", "-t", "1", "-f", "null", "-"],
            log: folder.appendingPathComponent("viewer.log"))
        BoundedWait.exit(viewer, seconds: 60, "the ffmpeg viewer")
        #expect(waitFor(seconds: 10) { !recorder.calls("CONN_PLAY").isEmpty })
        let plays = recorder.calls("CONN_PLAY")
        #expect(plays.contains { $0.path == "/vip" && $0.lines.first == "live" })
        #expect(!plays.contains { $0.path == "/other" })

        // push_start with #vip records every stream that has the tag.
        let recording = folder.appendingPathComponent("vip.ts")
        _ = try controller.call("{\"push_start\": {\"stream\": \"#vip\", \"target\": \"\(recording.path)\"}}")
        #expect(waitFor(seconds: 15) { (try? Data(contentsOf: recording).count) ?? 0 > 100_000 })
        let list = try controller.call(#"{"push_list": true}"#)["push_list"]
        #expect(list.arrayValue?.contains { $0[1] == "live" } == true)
        // The push reports its progress (MistServer's push_status_update members).
        #expect(
            waitFor(seconds: 5) {
                let rows = (try? controller.call(#"{"push_list": true}"#))?["push_list"].arrayValue ?? []
                guard let status = rows.first(where: { $0[1] == "live" })?[5] else { return false }
                return status["current_target"].stringValue == recording.path && (status["bytes"].intValue ?? 0) > 0
                    && (status["media_tx"].intValue ?? 0) > 500 && (status["mediatime"].intValue ?? 0) > 0
                    && status["active_ms"].intValue != nil
            })

        // The queued tag is applied when its stream becomes active.
        let second = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/later", seconds: 10, log: folder.appendingPathComponent("later.log"))
        defer { if second.isRunning { second.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "later"))
        #expect(
            waitFor(seconds: 5) {
                (try? controller.call(#"{"stream_tags": true}"#))?["stream_tags"]["later"] == ["queued"]
            })
    }
}
