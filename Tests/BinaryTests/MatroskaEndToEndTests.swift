import Foundation
import MistData
import Testing

/// Matroska from the HTTP port: `/<stream>.mkv` of a live RTMP push and of a file, read by
/// ffmpeg and ffprobe; `.webm` only for WebM's codecs.
@Suite(.serialized) struct MatroskaEndToEndTests {
    @Test(.enabled(if: MediaTools.available)) func mkvOfALivePushAndAFile() throws {
        let folder = try MediaTools.temporaryFolder("mkv")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 6, bFrames: true)
        let suite = try LivePushSuite(folder: folder, files: ["movie": movie.path], pushSeconds: 30)
        defer { suite.stop() }
        let (controller, httpPort) = (suite.controller, suite.httpPort)

        // A recording to .mkv runs beside the viewers.
        let recording = folder.appendingPathComponent("rec.mkv")
        let started = try controller.call("{\"push_start\": [\"live\", \"\(recording.path)\"]}")
        #expect(!started.hasMember("error"), "\(started)")
        // And mkv-exec: hands Matroska to a command's input (ffmpeg, writing a file of its own).
        let executed = folder.appendingPathComponent("exec.mkv")
        let command = "mkv-exec:ffmpeg -loglevel error -i - -c copy -y \(executed.path)"
        let piped = try controller.call("{\"push_start\": [\"live\", \"\(command)\"]}")
        #expect(!piped.hasMember("error"), "\(piped)")

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
        #expect(waitFor(seconds: 10) { (try? Data(contentsOf: executed).count) ?? 0 > 10_000 })
        let fromCommand = try MediaTools.report(executed.path)
        #expect(fromCommand["video"]?.codec == "h264" && fromCommand["audio"]?.codec == "aac", "\(fromCommand)")
        #expect(
            (fromCommand["video"]?.pts.count ?? 0) >= 75, "\(fromCommand["video"]?.pts.count ?? 0) frames via mkv-exec")

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
        // A file has a length, cues and ranges: a Range request gets its bytes, and ffprobe
        // seeks to 4.5 s through the cues (to the keyframe at 4.08) without reading what comes before.
        let whole = try HTTPTestClient(port: httpPort).get("/movie.mkv")
        #expect(whole.status == 200 && whole.headers["content-length"] == String(whole.body.count))
        let part = try HTTPTestClient(port: httpPort).get("/movie.mkv", headers: ["Range": "bytes=100-1099"])
        #expect(part.status == 206 && part.body == Array(whole.body[100..<1100]))
        #expect(part.headers["content-range"] == "bytes 100-1099/\(whole.body.count)", "\(part.headers)")
        #expect(whole.body.firstRange(of: [0x1C, 0x53, 0xBB, 0x6B]) != nil, "no Cues element")
        let seeked = try MediaTools.probe(
            "http://127.0.0.1:\(httpPort)/movie.mkv",
            arguments: ["-read_intervals", "4.5%+0.5", "-select_streams", "v", "-show_packets"])
        let times = (seeked["packets"].arrayValue ?? []).compactMap { Double($0["dts_time"].asString) }
        #expect((times.min() ?? 0) >= 3.5 && times.count < 60, "\(times)")
        // H.264 and AAC are not WebM's codecs.
        #expect(try HTTPTestClient(port: httpPort).get("/movie.webm").status == 404)
    }

    /// MistInEBML: an ffmpeg-made MKV (H.264 with B-frames, Opus) plays over HLS, HTTP-TS and as
    /// `.mkv` with its duration; a WebM (VP9, Opus) plays as `.webm`; a file cut short plays its
    /// whole blocks; garbage fails cleanly.
    @Test(.enabled(if: MediaTools.available)) func matroskaAndWebMFilesPlay() throws {
        let httpPort = ControllerHarness.freePort()
        let folder = try MediaTools.temporaryFolder("mkvin")
        defer { try? FileManager.default.removeItem(at: folder) }
        let mkv = folder.appendingPathComponent("movie.mkv")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "50", "-pix_fmt", "yuv420p",
                "-c:a", "libopus", mkv.path,
            ], log: folder.appendingPathComponent("mkv.log"))
        let webm = folder.appendingPathComponent("clip.webm")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                "-t", "2", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "25", "-c:a",
                "libopus",
                webm.path,
            ], log: folder.appendingPathComponent("webm.log"))
        let whole = try Data(contentsOf: mkv)
        let cut = folder.appendingPathComponent("cut.mkv")
        try whole.prefix(whole.count * 6 / 10).write(to: cut)
        let garbage = folder.appendingPathComponent("garbage.mkv")
        try Data("this is not a matroska file".utf8).write(to: garbage)
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"movie": {"name": "movie", "source": "\(mkv.path)"},
                             "clip": {"name": "clip", "source": "\(webm.path)"},
                             "cut": {"name": "cut", "source": "\(cut.path)"},
                             "garbage": {"name": "garbage", "source": "\(garbage.path)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        let base = "http://127.0.0.1:\(httpPort)"
        let ts = try MediaTools.report("\(base)/movie.ts")
        #expect(ts["video"]?.codec == "h264" && ts["video"]?.pts.count == 150, "\(ts)")
        #expect(ts["audio"]?.codec == "opus", "\(ts)")
        for url in ["\(base)/movie.ts", "\(base)/hls/movie/index.m3u8", "\(base)/movie.mkv"] {
            let errors = try MediaTools.decodeErrors(url, log: folder.appendingPathComponent("decode.log"))
            #expect(errors.isEmpty, "\(url): \(errors)")
        }
        let probed = try MediaTools.probe("\(base)/movie.mkv", arguments: ["-show_format"])
        #expect(abs((Double(probed["format"]["duration"].asString) ?? 0) - 6) < 0.3, "\(probed)")
        let clip = try MediaTools.probe("\(base)/clip.webm", arguments: ["-show_format", "-show_streams"])
        #expect(clip["format"]["format_name"].asString.contains("webm"), "\(clip["format"])")
        #expect((clip["streams"].arrayValue ?? []).map { $0["codec_name"].asString }.sorted() == ["opus", "vp9"])
        #expect(abs((Double(clip["format"]["duration"].asString) ?? 0) - 2) < 0.3, "\(clip["format"])")
        let partial = try MediaTools.report("\(base)/cut.ts")["video"]?.pts.count ?? 0
        #expect(partial > 40 && partial < 150, "\(partial) frames of the cut file")
        #expect(try HTTPTestClient(port: httpPort).get("/garbage.ts").status == 404)
        #expect(controller.log.contains("not an EBML file"))
    }
}
