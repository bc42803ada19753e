import Foundation
import MistData
import Testing

/// STREAM_BUFFER follows the buffer's health as MistServer's does: FULL once it is playable,
/// then DRY when its health object starts naming issues (here keyframes that go from every
/// second to every three).
@Suite(.serialized) struct BufferHealthTests {
    @Test(.enabled(if: MediaTools.available)) func aBufferThatGoesBadSaysDry() throws {
        let recorder = try TriggerRecorder { _ in "true" }
        let rtmpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"}],
                  "triggers": {"STREAM_BUFFER": [{"handler": "\(recorder.url)", "sync": false}]}},
                 "streams": {"live": {"name": "live", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) })
        let push = try MediaTools.ffmpeg(
            [
                "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i",
                "sine=sample_rate=48000", "-t", "30", "-c:v", "libx264", "-preset", "ultrafast", "-g", "1000",
                "-sc_threshold", "0", "-force_key_frames", "0,1,2,3,4,5,6,7,8,11,14,17,20,23,26,29", "-bf", "0",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", "rtmp://127.0.0.1:\(rtmpPort)/live/live",
            ], log: controller.folder.appendingPathComponent("push.log"))
        defer { BoundedWait.stop(push) }
        #expect(
            waitFor(seconds: 40) {
                recorder.calls("STREAM_BUFFER").contains { $0.lines.count > 1 && $0.lines[1] == "DRY" }
            }, "\(recorder.calls("STREAM_BUFFER").map(\.payload))")
        let calls = recorder.calls("STREAM_BUFFER").filter { $0.lines.first == "live" }
        #expect(calls.first?.lines[1] == "FULL")
        #expect(!(calls.first?.lines.dropFirst(2).joined().contains("issues") ?? true), "a healthy start")
        // The health object counts frames per key as MistServer's: 25 frames of 40 ms a second.
        let full = try JSONParser.parse(Array((calls.first?.lines[2] ?? "").utf8))
        let video = try #require(full["tracks"].arrayValue?.first { $0.asString.hasPrefix("video") }?.stringValue)
        #expect(full[video]["keys"]["frames_min"] == 25 && full[video]["keys"]["frames_max"] == 25, "\(full)")
        #expect(full[video]["keys"]["frame_ms_min"] == 40 && full[video]["keys"]["frame_ms_max"] == 40, "\(full)")
        let dry = try #require(calls.first { $0.lines[1] == "DRY" })
        let health = try JSONParser.parse(Array(dry.lines[2].utf8))
        #expect(health["issues"].asString.hasPrefix("unstable key interval (200% H264 variance)!"), "\(health)")
    }
}
