import Foundation
import MistData
import Testing

/// Matroska from the HTTP port: `/<stream>.mkv` of a live RTMP push and of a file, read by
/// ffmpeg and ffprobe; `.webm` only for WebM's codecs.
@Suite(.serialized) struct MatroskaEndToEndTests {
    @Test(.enabled(if: MediaTools.available)) func mkvOfALivePushAndAFile() throws {
        let rtmpPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let folder = try MediaTools.temporaryFolder("mkv")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 6, bFrames: true)
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"},
                             "movie": {"name": "movie", "source": "\(movie.path)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) && ControllerHarness.portAccepts(httpPort) })
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 30, log: folder.appendingPathComponent("push.log"))
        defer { BoundedWait.stop(push) }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))

        // A recording to .mkv runs beside the viewers.
        let recording = folder.appendingPathComponent("rec.mkv")
        let started = try controller.call("{\"push_start\": [\"live\", \"\(recording.path)\"]}")
        #expect(!started.hasMember("error"), "\(started)")

        let copy = folder.appendingPathComponent("live.ts")
        try MediaTools.make(
            ["-i", "http://127.0.0.1:\(httpPort)/live.mkv", "-t", "4", "-c", "copy", "-f", "mpegts", copy.path],
            log: folder.appendingPathComponent("live.log"))
        let report = try MediaTools.report(copy.path)
        #expect(report["video"]?.codec == "h264" && report["video"]?.width == 640, "\(report)")
        #expect(report["audio"]?.codec == "aac")
        #expect((report["video"]?.pts.count ?? 0) >= 75, "\(report["video"]?.pts.count ?? 0) frames")
        #expect(try MediaTools.decodeErrors(copy.path, log: folder.appendingPathComponent("live-decode.log")).isEmpty)

        _ = try controller.call(#"{"push_stop": "live"}"#)
        #expect(waitFor(seconds: 10) { ((try? controller.call(#"{"push_list": true}"#)["push_list"].count) ?? 1) == 0 })
        let recorded = try MediaTools.report(recording.path)
        #expect(recorded["video"]?.codec == "h264" && recorded["audio"]?.codec == "aac", "\(recorded)")
        #expect((recorded["video"]?.pts.count ?? 0) >= 75, "\(recorded["video"]?.pts.count ?? 0) frames recorded")
        #expect(try MediaTools.decodeErrors(recording.path, log: folder.appendingPathComponent("rec.log")).isEmpty)

        // A file with B-frames: its duration in the header, decoded whole without errors.
        let probed = try MediaTools.probe(
            "http://127.0.0.1:\(httpPort)/movie.mkv", arguments: ["-show_format", "-show_streams"])
        #expect(probed["format"]["format_name"].asString.hasPrefix("matroska"), "\(probed)")
        #expect(abs((Double(probed["format"]["duration"].asString) ?? 0) - 6) < 0.3, "\(probed["format"])")
        let errors = try MediaTools.decodeErrors(
            "http://127.0.0.1:\(httpPort)/movie.mkv", log: folder.appendingPathComponent("movie-decode.log"))
        #expect(errors.isEmpty, "\(errors)")
        let frames = try MediaTools.report("http://127.0.0.1:\(httpPort)/movie.mkv")["video"]?.pts.count ?? 0
        #expect(frames == 150, "\(frames) frames of 150")
        // H.264 and AAC are not WebM's codecs.
        #expect(try HTTPTestClient(port: httpPort).get("/movie.webm").status == 404)
    }
}
