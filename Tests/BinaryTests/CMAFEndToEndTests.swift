import Foundation
import MistData
import Testing

/// CMAF from the HTTP port: DASH (`index.mpd`) and HLS version 7 (`index.m3u8`) of fragmented MP4
/// segments, read by ffmpeg and ffprobe from a live RTMP push and from a file.
@Suite(.serialized) struct CMAFEndToEndTests {
    @Test(.enabled(if: MediaTools.available)) func dashAndCMAFHLSOfALivePushAndAFile() throws {
        let rtmpPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let folder = try MediaTools.temporaryFolder("cmaf")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 6)
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
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 60, log: folder.appendingPathComponent("push.log"))
        defer { BoundedWait.stop(push) }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        let base = "http://127.0.0.1:\(httpPort)/cmaf"

        // The live manifest is dynamic once a few keyframe intervals are in.
        var manifest = ""
        #expect(
            waitFor(seconds: 20) {
                let answer = try? HTTPTestClient(port: httpPort).get("/cmaf/live/index.mpd")
                manifest = answer.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
                return answer?.status == 200 && manifest.components(separatedBy: "<S ").count > 3
            }, "\(manifest)")
        #expect(manifest.contains("type=\"dynamic\"") && manifest.contains("timeShiftBufferDepth="))
        #expect(manifest.contains("codecs=\"avc1.") && manifest.contains("codecs=\"mp4a.40.2\""))

        // ffmpeg follows the live DASH manifest and copies H.264 and AAC out of it.
        for (name, url) in [("dash", "\(base)/live/index.mpd"), ("hls", "\(base)/live/index.m3u8")] {
            let copy = folder.appendingPathComponent("\(name).ts")
            try MediaTools.make(
                ["-i", url, "-t", "4", "-c", "copy", "-f", "mpegts", copy.path],
                log: folder.appendingPathComponent("\(name).log"))
            let report = try MediaTools.report(copy.path)
            #expect(report["video"]?.codec == "h264" && report["video"]?.width == 640, "\(name): \(report)")
            #expect(report["audio"]?.codec == "aac", "\(name)")
            #expect((report["video"]?.pts.count ?? 0) >= 75, "\(name): \(report["video"]?.pts.count ?? 0) frames")
            let errors = try MediaTools.decodeErrors(
                copy.path, log: folder.appendingPathComponent("\(name)-decode.log"))
            #expect(errors.isEmpty, "\(name): \(errors)")
        }

        // A file: static DASH with its duration, decoded whole without errors.
        let file = try HTTPTestClient(port: httpPort).get("/cmaf/movie/index.mpd")
        let fileManifest = String(decoding: file.body, as: UTF8.self)
        #expect(file.status == 200 && fileManifest.contains("type=\"static\""), "\(fileManifest)")
        let vod = try MediaTools.probe("\(base)/movie/index.mpd", arguments: ["-show_format"])
        let duration = Double(vod["format"]["duration"].asString) ?? 0
        #expect(abs(duration - 6) < 0.5, "\(vod)")
        let vodErrors = try MediaTools.decodeErrors(
            "\(base)/movie/index.m3u8", log: folder.appendingPathComponent("vod-decode.log"))
        #expect(vodErrors.isEmpty, "\(vodErrors)")
        // json_ offers both, as MistServer lists them.
        let info = try HTTPTestClient(port: httpPort).get("/json_movie.js").json()
        let types = (info["source"].arrayValue ?? []).map { $0["type"].asString }
        #expect(types.contains("dash/video/mp4") && types.contains("html5/application/vnd.apple.mpegurl;version=7"))
    }
}
