import Foundation
import MistData
import Testing

/// MistOutHTTP under the controller: a stream pushed over RTMP played as HTTP-TS by ffmpeg.
@Suite(.serialized) struct HTTPEndToEndTests {
    /// A controller with RTMP and HTTP on free ports and a `live` stream taking pushes.
    static func liveServer() throws -> (ControllerHarness, rtmpPort: Int, httpPort: Int) {
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
        return (controller, rtmpPort, httpPort)
    }

    @Test(.enabled(if: MediaTools.available)) func rtmpPushPlaysAsHTTPTS() throws {
        let (controller, rtmpPort, httpPort) = try Self.liveServer()
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
        // Live HLS meanwhile: a master playlist, a sliding media playlist of 2 s keyframe intervals,
        // and segments ffprobe reads.
        let hls = try HTTPTestClient(port: httpPort)
        let master = try hls.get("/hls/live/index.m3u8")
        #expect(master.status == 200 && master.headers["content-type"] == "application/vnd.apple.mpegurl")
        #expect(
            master.text.contains("RESOLUTION=640x360") && master.text.contains("CODECS=\"avc1.")
                && master.text.contains("mp4a.40.2"))
        // Playlists carry the viewer's token (`?tkn=`) in their URIs.
        let variant = try #require(master.text.split(separator: "\r\n").first { $0.contains("index.m3u8?tkn=") })
        #expect(waitFor(seconds: 10) { ((try? hls.get("/hls/live/\(variant)").text) ?? "").contains("#EXTINF:2.000") })
        let media = try hls.get("/hls/live/\(variant)").text
        #expect(media.contains("#EXT-X-TARGETDURATION:2") && !media.contains("#EXT-X-ENDLIST"))
        let chunk = try #require(media.split(separator: "\r\n").first { $0.hasPrefix("chunk_") })
        let directory = variant.prefix { $0 != "/" } + "/"
        let segment = try hls.get("/hls/live/\(directory)\(chunk)")
        #expect(segment.status == 200 && segment.headers["content-type"] == "video/mp2t")
        let segmentFile = folder.appendingPathComponent("segment.ts")
        try Data(segment.body).write(to: segmentFile)
        let segmentReport = try MediaTools.report(segmentFile.path)
        #expect(segmentReport["video"]?.pts.count == 50)
        #expect(segmentReport["audio"]?.codec == "aac")

        // More viewers of the live stream: HTTP-FLV, fragmented MP4 and a second HTTP-TS viewer
        // that decodes everything it gets (ffmpeg prints nothing at level error).
        let late = ["flv": "flv", "mp4": "mp4"].map { format, muxer in
            (
                format,
                folder.appendingPathComponent("late.\(format)"),
                try? MediaTools.ffmpeg(
                    [
                        "-i", "http://127.0.0.1:\(httpPort)/live.\(format)", "-c", "copy", "-f", muxer,
                        folder.appendingPathComponent("late.\(format)").path,
                    ], log: folder.appendingPathComponent("late-\(format).log"))
            )
        }
        let decodeLog = folder.appendingPathComponent("decode.log")
        let decoder = try MediaTools.ffmpeg(
            ["-loglevel", "error", "-i", "http://127.0.0.1:\(httpPort)/live.ts", "-f", "null", "-"], log: decodeLog)

        // The embeddable player in a browser without native HLS feeds live fMP4 to MSE.
        if PlayerHarness.node != nil {
            let output = try PlayerHarness.run(
                base: "http://127.0.0.1:\(httpPort)", stream: "live", browser: "mse", seconds: 3, folder: folder)
            let report = try JSONParser.parse(Array((output.split(separator: "\n").last ?? "").utf8))
            #expect(report["chosen"]["player"] == "mse" && report["chosen"]["type"] == "html5/video/mp4", "\(output)")
            #expect(report["first"] == "ftyp" && (report["appended"].intValue ?? 0) >= 2, "\(output)")
        }

        #expect(RTMPEndToEndTests.finish(push, seconds: 30))
        #expect(RTMPEndToEndTests.finish(viewer, seconds: 40))
        try RTMPEndToEndTests.checkRecording(recording, expectedFrames: 250)
        #expect(RTMPEndToEndTests.finish(decoder, seconds: 20))
        #expect(try String(contentsOf: decodeLog, encoding: .utf8).isEmpty)
        for (format, file, process) in late {
            let process = try #require(process)
            #expect(RTMPEndToEndTests.finish(process, seconds: 20), "\(format)")
            #expect(process.terminationStatus == 0, "\(format)")
            let report = try MediaTools.report(file.path)
            let video = try #require(report["video"], "\(format)")
            #expect(video.codec == "h264" && video.width == 640 && video.height == 360, "\(format)")
            #expect(video.pts.count >= 100, "\(format): \(video.pts.count) frames")
            #expect(zip(video.dts, video.dts.dropFirst()).allSatisfy { $0 < $1 }, "\(format)")
            #expect(report["audio"]?.codec == "aac", "\(format)")
        }
        // One muxing thread served both TS viewers: the second joined the first one's group.
        #expect(controller.log.contains("HTTP-TS of live viewer") && controller.log.contains("(2 watching)"))
    }

    @Test(.enabled(if: MediaTools.available)) func aFilePlaysOverHLS() throws {
        let (controller, httpPort, folder) = try HTTPServingTests.fileServer("hlsvod")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Stream info in MistServer's shape.
        let info = try HTTPTestClient(port: httpPort).get("/json_movie.js").json()
        let captured = try JSONParser.parse(
            Array(
                Data(
                    contentsOf: ControllerAPITests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
                        .appendingPathComponent("MistDataTests/Fixtures/json_vod.js"))))
        #expect(Set(info.objectValue?.keys ?? []) == Set(captured.objectValue?.keys ?? []))
        #expect(info["type"] == "vod" && info["width"] == 640 && info["height"] == 360 && info["meta"]["vod"] == 1)
        let videoInfo = info["meta"]["tracks"]["video_H264_640x360_25fps_0"]
        #expect(videoInfo["codecstring"].asString.hasPrefix("avc1.") && videoInfo["fpks"] == 25000)
        #expect(info["meta"]["tracks"]["audio_AAC_1ch_48000hz_1"]["codecstring"] == "mp4a.40.2")
        let hlsSource = (info["source"].arrayValue ?? []).first { $0["hrn"] == "HLS (TS)" }
        // From the Host header, with the viewer's token.
        #expect(hlsSource?["url"].asString.hasPrefix("http://localhost/hls/movie/index.m3u8?tkn=") == true)
        #expect(hlsSource?["simul_tracks"] == 2)
        #expect(try HTTPTestClient(port: httpPort).get("/json_nothing.js").json() == ["error": "Stream is offline"])
        let wrapped = try HTTPTestClient(port: httpPort).get(
            "/info_movie.js", headers: ["X-Mst-Path": "https://cdn.example/mist/"]
        ).text
        #expect(wrapped.hasPrefix("// Generating info code for stream movie\n"))
        #expect(wrapped.contains("mistvideo['movie'] = {") && wrapped.hasSuffix("};\n"))
        #expect(wrapped.contains("\"url\":\"https://cdn.example/mist/hls/movie/index.m3u8?tkn="))

        let media = try HTTPTestClient(port: httpPort).get("/hls/movie/0_1/index.m3u8").text
        #expect(media.contains("#EXT-X-ENDLIST") && media.contains("#EXT-X-PLAYLIST-TYPE:VOD"))
        #expect(media.components(separatedBy: "#EXTINF").count - 1 == 4)
        let recording = folder.appendingPathComponent("viewer.ts")
        let viewer = try MediaTools.ffmpeg(
            ["-i", "http://127.0.0.1:\(httpPort)/hls/movie/index.m3u8", "-c", "copy", "-f", "mpegts", recording.path],
            log: folder.appendingPathComponent("viewer.log"))
        #expect(RTMPEndToEndTests.finish(viewer, seconds: 60))
        #expect(viewer.terminationStatus == 0)
        try RTMPEndToEndTests.checkRecording(recording, expectedFrames: 200)
        let video = try #require(try MediaTools.report(recording.path)["video"])
        let duration = (video.dts.last ?? 0) - (video.dts.first ?? 0)
        #expect(abs(duration - 7.96) < 0.041, "video lasts \(duration) s")
        #expect(controller.log.contains("Started MistInDTSC"))

        // The same file as progressive FLV, and the Flash cross-domain policy.
        let flvRecording = folder.appendingPathComponent("viewer.flv")
        let flvViewer = try MediaTools.ffmpeg(
            ["-i", "http://127.0.0.1:\(httpPort)/movie.flv", "-c", "copy", "-f", "flv", flvRecording.path],
            log: folder.appendingPathComponent("flv.log"))
        #expect(RTMPEndToEndTests.finish(flvViewer, seconds: 60))
        #expect(flvViewer.terminationStatus == 0)
        try RTMPEndToEndTests.checkRecording(flvRecording, expectedFrames: 200)
        // The file as progressive MP4, its index first: the duration is known before any sample.
        let mp4Head = try HTTPTestClient(port: httpPort).get("/movie.mp4")
        #expect(mp4Head.headers["content-length"].flatMap(Int.init) == mp4Head.body.count)
        #expect(String(decoding: mp4Head.body[4..<8], as: UTF8.self) == "ftyp")
        #expect(String(decoding: mp4Head.body[36..<40], as: UTF8.self) == "moov")
        let mp4Recording = folder.appendingPathComponent("viewer.mp4")
        let mp4Viewer = try MediaTools.ffmpeg(
            ["-i", "http://127.0.0.1:\(httpPort)/movie.mp4", "-c", "copy", "-f", "mp4", mp4Recording.path],
            log: folder.appendingPathComponent("mp4.log"))
        #expect(RTMPEndToEndTests.finish(mp4Viewer, seconds: 60))
        #expect(mp4Viewer.terminationStatus == 0)
        try RTMPEndToEndTests.checkRecording(mp4Recording, expectedFrames: 200)

        // Track selectors: no audio, or no video.
        for (query, types) in [("audio=none", ["video"]), ("video=none&audio=aac", ["audio"])] {
            let selected = folder.appendingPathComponent("selected.ts")
            let reader = try MediaTools.ffmpeg(
                [
                    "-i", "http://127.0.0.1:\(httpPort)/movie.ts?\(query)", "-t", "1", "-c", "copy", "-f", "mpegts",
                    selected.path,
                ],
                log: folder.appendingPathComponent("selected.log"))
            #expect(RTMPEndToEndTests.finish(reader, seconds: 30))
            #expect(try MediaTools.report(selected.path).keys.sorted() == types, "\(query)")
        }
        let policy = try HTTPTestClient(port: httpPort).get("/crossdomain.xml")
        #expect(policy.status == 200 && policy.text.contains("allow-access-from domain=\"*\""))
    }
}
