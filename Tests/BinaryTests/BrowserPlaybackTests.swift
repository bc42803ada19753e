import Foundation
import Testing

/// `/player.js` in a real browser (headless Chromium): a live RTMP push played as DASH through
/// Media Source Extensions, and a VP9/Opus WebM file played natively by the video element.
/// Both must advance the `<video>`; screenshots go to the test's folder.
@Suite(.serialized) struct BrowserPlaybackTests {
    @Test(.enabled(if: MediaTools.available)) func dashOfALivePushAndAWebMFilePlayInChromium() throws {
        let folder = try MediaTools.temporaryFolder("browser")
        defer { try? FileManager.default.removeItem(at: folder) }
        let webm = folder.appendingPathComponent("clip.webm")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                "-t", "8", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "25", "-c:a",
                "libopus", webm.path,
            ], log: folder.appendingPathComponent("webm.log"))
        let suite = try LivePushSuite(folder: folder, files: ["clip": webm.path], pushSeconds: 90)
        defer { suite.stop() }
        let httpPort = suite.httpPort
        // A few keyframe intervals in, so the live manifest has segments to start behind the edge.
        #expect(
            waitFor(seconds: 20) {
                let manifest = try? HTTPTestClient(port: httpPort).get("/cmaf/live/index.mpd").body
                return manifest.map { String(decoding: $0, as: UTF8.self).components(separatedBy: "<S ").count > 4 }
                    ?? false
            })
        let base = "http://127.0.0.1:\(httpPort)"

        let dash = try BrowserHarness.play(
            base: base, stream: "live", forceType: "dash/video/mp4", seconds: 30, folder: folder, name: "dash-live")
        #expect(dash.player == "dash" && dash.type == "dash/video/mp4", "\(dash.log)")
        #expect(dash.firstTime > 0 && dash.lastTime > dash.firstTime + 1, "\(dash.log)")
        #expect(dash.message.isEmpty, "\(dash.message)")

        let file = try BrowserHarness.play(
            base: base, stream: "clip", forceType: "html5/video/webm", seconds: 30, folder: folder, name: "webm-file")
        #expect(file.player == "html5" && file.type == "html5/video/webm", "\(file.log)")
        #expect(file.firstTime > 0 && file.lastTime > file.firstTime + 1, "\(file.log)")
        // The screenshots are real pictures of the page.
        for name in ["dash-live", "webm-file"] {
            let size =
                (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("\(name).png").path)[
                    .size] as? Int) ?? 0
            #expect(size > 1000, "\(name).png")
        }
    }
}
