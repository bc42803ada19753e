import Foundation
import MistData
import Testing

/// MistOutHTTP under the controller: a stream pushed over RTMP played as HTTP-TS by ffmpeg.
@Suite(.serialized) struct HTTPEndToEndTests {
    @Test(.enabled(if: MediaTools.available)) func rtmpPushPlaysAsHTTPTS() throws {
        let rtmpPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"}}}
                """)
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) && ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder

        // Unknown URLs and streams get 404 with a reason; garbage gets 400; the server goes on.
        let client = try HTTPTestClient(port: httpPort)
        let missing = try client.get("/nothing.ts")
        #expect(missing.status == 404 && missing.text.contains("not available"))
        #expect(try client.get("/favicon.png").status == 404)
        let garbage = try TCPTestClient(port: UInt16(httpPort))
        try garbage.write(Array("NONSENSE\r\n\r\n".utf8))
        #expect(String(decoding: try garbage.read(timeoutSeconds: 5), as: UTF8.self).hasPrefix("HTTP/1.1 400"))

        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 10, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        let recording = folder.appendingPathComponent("viewer.ts")
        let viewer = try MediaTools.ffmpeg(
            ["-i", "http://127.0.0.1:\(httpPort)/live.ts", "-c", "copy", "-f", "mpegts", recording.path],
            log: folder.appendingPathComponent("viewer.log"))
        defer { if viewer.isRunning { viewer.terminate() } }
        #expect(RTMPEndToEndTests.finish(push, seconds: 30))
        #expect(RTMPEndToEndTests.finish(viewer, seconds: 40))
        try RTMPEndToEndTests.checkRecording(recording, expectedFrames: 250)
    }
}
