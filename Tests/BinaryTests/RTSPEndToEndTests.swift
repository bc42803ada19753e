import Foundation
import MistData
import Testing

/// MistOutRTSP under the controller: ffmpeg publishes H.264 and AAC with `-f rtsp` (ANNOUNCE,
/// SETUP over TCP interleaved, RECORD) into a `push://` stream, which plays over HTTP and back
/// over RTSP (DESCRIBE, SETUP, PLAY) to ffprobe and ffmpeg; a push into a stream not configured
/// for it is refused.
@Suite(.serialized) struct RTSPEndToEndTests {
    static func push(
        _ url: String, seconds: Int, log: URL, transport: String = "tcp", hevc: Bool = false, bFrames: Bool = false
    ) throws -> Process {
        try MediaTools.ffmpeg(
            [
                "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=1000:sample_rate=48000", "-t", String(seconds), "-c:v", hevc ? "libx265" : "libx264",
                "-preset", "ultrafast", "-g", "50", "-bf", bFrames ? "2" : "0", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "96k", "-f", "rtsp", "-rtsp_transport", transport, url,
            ], log: log)
    }

    /// A controller with RTSP and HTTP on loopback and a `push://` stream of each name.
    static func controller(pushStreams: [String], rtspPort: Int, httpPort: Int) throws -> ControllerHarness {
        let streams = pushStreams.map { #""\#($0)": {"name": "\#($0)", "source": "push://"}"# }
        return try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTSP", "port": \(rtspPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {\(streams.joined(separator: ","))}}
                """)
    }

    /// ffmpeg pushing 30 s of a 320x180 25 fps test picture (a keyframe a second) and a 1 kHz tone
    /// over RTSP (TCP) to `url`, encoded as `codecArguments` say.
    static func pushTestSource(_ codecArguments: [String], to url: String, log: URL) throws -> Process {
        try MediaTools.ffmpeg(
            [
                "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=1000:sample_rate=48000", "-t", "30", "-g", "25", "-pix_fmt", "yuv420p",
            ] + codecArguments + ["-f", "rtsp", "-rtsp_transport", "tcp", url], log: log)
    }

    /// 4 s of an RTSP stream's video decoded by ffmpeg (one checksum line per picture): how many
    /// pictures, and what ffmpeg logged as errors. ffmpeg's RTSP client knows presentation
    /// times only, which its muxers refuse for B-frames and VP9's hidden frames, so the pictures
    /// are decoded rather than copied.
    static func decodePictures(_ url: String, folder: URL, name: String) throws -> (pictures: Int, errors: String) {
        let checksums = folder.appendingPathComponent("\(name).crc")
        let log = folder.appendingPathComponent("\(name)-decode.log")
        try MediaTools.make(
            [
                "-loglevel", "error", "-rtsp_transport", "tcp", "-i", url, "-t", "4", "-an", "-f", "framecrc",
                checksums.path,
            ],
            log: log)
        let pictures = try String(contentsOf: checksums, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("0,") }
        return (pictures.count, try String(contentsOf: log, encoding: .utf8))
    }

    @Test(.enabled(if: MediaTools.available)) func ffmpegPublishesOverRTSPAndTheStreamPlays() throws {
        let rtspPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTSP", "port": \(rtspPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtspPort) && ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder

        // Not configured for pushes: refused, and ffmpeg gives up.
        let refused = try Self.push(
            "rtsp://127.0.0.1:\(rtspPort)/elsewhere", seconds: 5, log: folder.appendingPathComponent("refused.log"))
        #expect(BoundedWait.exit(refused, seconds: 20, "refused ffmpeg") && refused.terminationStatus != 0)

        let push = try Self.push(
            "rtsp://127.0.0.1:\(rtspPort)/live", seconds: 30, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        #expect(controller.log.contains("RTSP push from"))

        let info = try HTTPTestClient(port: httpPort).get("/json_live.js").json()
        let codecs = Set((info["meta"]["tracks"].objectValue ?? JSONObject()).map { $0.value["codec"].asString })
        #expect(codecs == ["H264", "AAC"])

        let recording = folder.appendingPathComponent("viewer.ts")
        try MediaTools.make(
            ["-i", "http://127.0.0.1:\(httpPort)/live.ts", "-t", "4", "-c", "copy", "-f", "mpegts", recording.path],
            log: folder.appendingPathComponent("viewer.log"))
        let report = try MediaTools.report(recording.path)
        let video = try #require(report["video"])
        #expect(video.codec == "h264" && video.width == 640 && video.height == 360)
        #expect(video.pts.count >= 75, "\(video.pts.count) frames in 4 s")
        #expect(video.dts == video.dts.sorted())
        #expect(report["audio"]?.codec == "aac")
        // Steps of 40 ms between pictures (25 fps), as RTP's 90 kHz clock said.
        let steps = zip(video.pts.sorted(), video.pts.sorted().dropFirst()).map { ($1 - $0) * 1000 }
        #expect(steps.allSatisfy { abs($0 - 40) <= 2 }, "\(Set(steps.map { Int($0.rounded()) }))")

        // Played back over RTSP: ffprobe reads the SDP and the streams, ffmpeg records pictures
        // that decode, at 25 fps, with the audio.
        let url = "rtsp://127.0.0.1:\(rtspPort)/live"
        let streams =
            try MediaTools.probe(url, arguments: ["-rtsp_transport", "tcp", "-show_streams"])["streams"]
            .arrayValue ?? []
        #expect(Set(streams.map { $0["codec_name"].asString }) == ["h264", "aac"])
        #expect(streams.first { $0["codec_name"] == "h264" }?["width"].intValue == 640)
        let copy = folder.appendingPathComponent("rtsp.ts")
        try MediaTools.make(
            ["-rtsp_transport", "tcp", "-i", url, "-t", "4", "-c", "copy", "-f", "mpegts", copy.path],
            log: folder.appendingPathComponent("rtsp-viewer.log"))
        let played = try MediaTools.report(copy.path)
        let rtspVideo = try #require(played["video"])
        #expect(rtspVideo.pts.count >= 75, "\(rtspVideo.pts.count) frames over RTSP in 4 s")
        #expect(played["audio"]?.codec == "aac")
        #expect(try MediaTools.decodeErrors(copy.path, log: folder.appendingPathComponent("decode.log")).isEmpty)
        #expect(controller.log.contains("RTSP viewer"))
    }

    @Test(.enabled(if: MediaTools.available)) func publishesAndPlaysOverUDP() throws {
        let rtspPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTSP", "port": \(rtspPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"udp": {"name": "udp", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtspPort) && ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder
        let push = try Self.push(
            "rtsp://127.0.0.1:\(rtspPort)/udp", seconds: 40, log: folder.appendingPathComponent("push.log"),
            transport: "udp")
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "udp"))

        let overHTTP = folder.appendingPathComponent("http.ts")
        try MediaTools.make(
            ["-i", "http://127.0.0.1:\(httpPort)/udp.ts", "-t", "4", "-c", "copy", "-f", "mpegts", overHTTP.path],
            log: folder.appendingPathComponent("http.log"))
        let report = try MediaTools.report(overHTTP.path)
        #expect(report["video"]?.codec == "h264" && report["video"]?.width == 640)
        #expect((report["video"]?.pts.count ?? 0) >= 75, "\(report["video"]?.pts.count ?? 0) frames in 4 s")
        #expect(report["audio"]?.codec == "aac")

        // Played over UDP: two players at once (one fan-out group), decoding cleanly.
        let url = "rtsp://127.0.0.1:\(rtspPort)/udp"
        let first = folder.appendingPathComponent("udp1.ts")
        let second = folder.appendingPathComponent("udp2.ts")
        let other = try MediaTools.ffmpeg(
            ["-rtsp_transport", "udp", "-i", url, "-t", "4", "-c", "copy", "-f", "mpegts", second.path],
            log: folder.appendingPathComponent("udp2.log"))
        // While it plays, its datagrams are counted for its session.
        var rows: [JSONValue] = []
        #expect(
            waitFor(seconds: 15) {
                let reply =
                    (try? controller.call(#"{"clients": {"streams": ["udp"], "fields": ["protocol", "pktcount"]}}"#))
                    ?? .null
                rows = reply["clients"]["data"].arrayValue ?? []
                return rows.contains { $0[0] == "RTSP" && $0[1].asInt > 100 }
            }, "\(rows)")
        try MediaTools.make(
            ["-rtsp_transport", "udp", "-i", url, "-t", "4", "-c", "copy", "-f", "mpegts", first.path],
            log: folder.appendingPathComponent("udp1.log"))
        #expect(BoundedWait.exit(other, seconds: 60, "second UDP player") && other.terminationStatus == 0)
        for file in [first, second] {
            let played = try MediaTools.report(file.path)
            #expect(played["video"]?.codec == "h264" && played["video"]?.width == 640)
            #expect(
                (played["video"]?.pts.count ?? 0) >= 75, "\(played["video"]?.pts.count ?? 0) frames over UDP in 4 s")
            #expect(played["audio"]?.codec == "aac")
            #expect(
                try MediaTools.decodeErrors(file.path, log: folder.appendingPathComponent("decode.log")).isEmpty)
        }
    }

    /// HEVC, and pictures in another order than they are shown (B-frames, H.264 and HEVC): the
    /// decode times made from RTP's presentation times rise, and every picture decodes.
    @Test(.enabled(if: MediaTools.available), arguments: [(true, false), (false, true), (true, true)])
    func hevcAndBFramesArePublishedAndPlayed(hevc: Bool, bFrames: Bool) throws {
        let rtspPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTSP", "port": \(rtspPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"video": {"name": "video", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtspPort) && ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder
        let push = try Self.push(
            "rtsp://127.0.0.1:\(rtspPort)/video", seconds: 40, log: folder.appendingPathComponent("push.log"),
            hevc: hevc, bFrames: bFrames)
        defer { BoundedWait.stop(push) }
        #expect(RTMPEndToEndTests.waitForActive(controller, "video"))
        let info = try HTTPTestClient(port: httpPort).get("/json_video.js").json()
        let codecs = Set((info["meta"]["tracks"].objectValue ?? JSONObject()).map { $0.value["codec"].asString })
        #expect(codecs == [hevc ? "HEVC" : "H264", "AAC"])
        let rtsp = "rtsp://127.0.0.1:\(rtspPort)/video"
        if bFrames {
            // B-frames: decoded, not copied (see decodePictures).
            let decoded = try Self.decodePictures(rtsp, folder: folder, name: "rtsp")
            #expect(decoded.pictures >= 75, "\(decoded.pictures) pictures decoded over RTSP")
            #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        }
        for (name, url, arguments, format) in [
            ("http", "http://127.0.0.1:\(httpPort)/video.ts", [String](), "mpegts"),
            ("rtsp", rtsp, ["-rtsp_transport", "tcp"], "mpegts"),
        ] where !(bFrames && name == "rtsp") {
            let file = folder.appendingPathComponent("\(name).\(format)")
            try MediaTools.make(
                arguments + ["-i", url, "-t", "4", "-c", "copy", "-f", format, file.path],
                log: folder.appendingPathComponent("\(name).log"))
            let report = try MediaTools.report(file.path)
            let video = try #require(report["video"], "\(name)")
            #expect(video.codec == (hevc ? "hevc" : "h264") && video.width == 640, "\(name)")
            #expect(video.pts.count >= 75, "\(name): \(video.pts.count) frames")
            #expect(report["audio"]?.codec == "aac", "\(name)")
            #expect(
                try MediaTools.decodeErrors(file.path, log: folder.appendingPathComponent("\(name)-decode.log"))
                    .isEmpty,
                "\(name)")
            guard name == "http" else { continue }
            #expect(video.dts == video.dts.sorted())
            #expect(zip(video.dts, video.pts).allSatisfy { $0 <= $1 + 0.0001 })
            // Pictures 40 ms apart once sorted: no times lost or doubled by the reordering (the
            // cut at 4 s, made in decode order, leaves out the last B-frames).
            let sorted = video.pts.sorted()
            let steps = zip(sorted, sorted.dropFirst()).map { ($1 - $0) * 1000 }.dropLast(4)
            #expect(steps.allSatisfy { abs($0 - 40) <= 2 }, "\(Set(steps.map { Int($0.rounded()) }))")
            if bFrames { #expect(zip(video.dts, video.pts).contains { $0 < $1 - 0.001 }, "no composition offsets") }
        }
    }

    /// The audio cameras and encoders send besides AAC-hbr: Opus, G.711 A-law at 8 kHz (static
    /// payload type 8) and µ-law at 16 kHz stereo (a dynamic one), and AAC as MP4A-LATM. Each is
    /// pushed by ffmpeg, kept with its codec, and played back over RTSP.
    @Test(.enabled(if: MediaTools.available)) func audioCodecsArePublishedAndPlayed() throws {
        let rtspPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let cases: [(stream: String, encoder: [String], codec: String, probed: String, rate: Int)] = [
            ("opus", ["-c:a", "libopus", "-ar", "48000", "-ac", "2", "-b:a", "64k"], "opus", "opus", 48000),
            ("alaw", ["-c:a", "pcm_alaw", "-ar", "8000", "-ac", "1"], "ALAW", "pcm_alaw", 8000),
            ("ulaw", ["-c:a", "pcm_mulaw", "-ar", "16000", "-ac", "2"], "ULAW", "pcm_mulaw", 16000),
            ("latm", ["-c:a", "aac", "-ar", "44100", "-ac", "2", "-rtpflags", "latm"], "AAC", "aac", 44100),
        ]
        let controller = try Self.controller(
            pushStreams: cases.map(\.stream), rtspPort: rtspPort, httpPort: httpPort)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtspPort) && ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder
        for entry in cases {
            let push = try Self.pushTestSource(
                ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "0"] + entry.encoder,
                to: "rtsp://127.0.0.1:\(rtspPort)/\(entry.stream)",
                log: folder.appendingPathComponent("\(entry.stream)-push.log"))
            defer { BoundedWait.stop(push) }
            #expect(RTMPEndToEndTests.waitForActive(controller, entry.stream), "\(entry.stream)")
            let info = try HTTPTestClient(port: httpPort).get("/json_\(entry.stream).js").json()
            let codecs = Set((info["meta"]["tracks"].objectValue ?? JSONObject()).map { $0.value["codec"].asString })
            #expect(codecs == ["H264", entry.codec], "\(entry.stream)")
            let url = "rtsp://127.0.0.1:\(rtspPort)/\(entry.stream)"
            let probed =
                try MediaTools.probe(url, arguments: ["-rtsp_transport", "tcp", "-show_streams"])["streams"]
                .arrayValue ?? []
            let audio = probed.first { $0["codec_type"] == "audio" }
            #expect(audio?["codec_name"].asString == entry.probed, "\(entry.stream): \(probed)")
            #expect(audio?["sample_rate"].asString == String(entry.rate), "\(entry.stream)")
            let copy = folder.appendingPathComponent("\(entry.stream).nut")
            try MediaTools.make(
                ["-rtsp_transport", "tcp", "-i", url, "-t", "4", "-c", "copy", "-f", "nut", copy.path],
                log: folder.appendingPathComponent("\(entry.stream)-viewer.log"))
            let played = try MediaTools.report(copy.path)
            #expect(played["audio"]?.codec == entry.probed, "\(entry.stream)")
            #expect((played["audio"]?.pts.count ?? 0) >= 20, "\(entry.stream): \(played["audio"]?.pts.count ?? 0)")
            #expect((played["video"]?.pts.count ?? 0) >= 75, "\(entry.stream): \(played["video"]?.pts.count ?? 0)")
            #expect(
                try MediaTools.decodeErrors(
                    copy.path, log: folder.appendingPathComponent("\(entry.stream)-decode.log")
                ).isEmpty, "\(entry.stream)")
        }
    }

    /// VP8 and VP9 (with Opus) pushed by ffmpeg over RTSP are kept with their codecs and sizes,
    /// and play back over RTSP in ffmpeg: 4 s of pictures decode without an error.
    @Test(.enabled(if: MediaTools.available)) func vp8AndVP9ArePublishedAndPlayed() throws {
        let rtspPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let cases: [(stream: String, encoder: [String], codec: String)] = [
            ("vp8", ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k"], "VP8"),
            (
                "vp9",
                [
                    "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k", "-strict",
                    "experimental",
                ],
                "VP9"
            ),
        ]
        let controller = try Self.controller(
            pushStreams: cases.map(\.stream), rtspPort: rtspPort, httpPort: httpPort)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtspPort) && ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder
        for entry in cases {
            let push = try Self.pushTestSource(
                entry.encoder + ["-c:a", "libopus", "-ar", "48000", "-ac", "2"],
                to: "rtsp://127.0.0.1:\(rtspPort)/\(entry.stream)",
                log: folder.appendingPathComponent("\(entry.stream)-push.log"))
            defer { BoundedWait.stop(push) }
            #expect(RTMPEndToEndTests.waitForActive(controller, entry.stream), "\(entry.stream)")
            let info = try HTTPTestClient(port: httpPort).get("/json_\(entry.stream).js").json()
            let tracks = (info["meta"]["tracks"].objectValue ?? JSONObject()).map(\.value)
            #expect(Set(tracks.map { $0["codec"].asString }) == [entry.codec, "opus"], "\(entry.stream): \(tracks)")
            let video = tracks.first { $0["type"] == "video" }
            #expect(video?["width"].intValue == 320 && video?["height"].intValue == 180, "\(entry.stream)")
            let url = "rtsp://127.0.0.1:\(rtspPort)/\(entry.stream)"
            let probed =
                try MediaTools.probe(url, arguments: ["-rtsp_transport", "tcp", "-show_streams"])["streams"]
                .arrayValue ?? []
            #expect(
                probed.contains { $0["codec_name"].asString == entry.stream && $0["width"].intValue == 320 },
                "\(entry.stream): \(probed)")
            let decoded = try Self.decodePictures(url, folder: folder, name: entry.stream)
            #expect(decoded.pictures >= 75, "\(entry.stream): \(decoded.pictures) pictures decoded over RTSP")
            #expect(decoded.errors.isEmpty, "\(entry.stream): \(decoded.errors)")
        }
    }

    /// A file over RTSP: the SDP gives its length, ffmpeg plays it whole at its own pace and stops
    /// at the BYE after the last packet, a PLAY from 5 s in gets the rest, and UDP plays it too.
    @Test(.enabled(if: MediaTools.available)) func aFilePlaysAtItsPaceSeeksAndEnds() throws {
        let rtspPort = ControllerHarness.freePort()
        let folder = try MediaTools.temporaryFolder("rtspvod")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 8)
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "RTSP", "port": \(rtspPort), "interface": "127.0.0.1"}]},
                 "streams": {"movie": {"name": "movie", "source": "\(movie.path)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtspPort) })
        let url = "rtsp://127.0.0.1:\(rtspPort)/movie"
        let format = try MediaTools.probe(url, arguments: ["-rtsp_transport", "tcp", "-show_format"])["format"]
        #expect(abs((Double(format["duration"].asString) ?? 0) - 8) < 0.5, "\(format)")

        for transport in ["tcp", "udp"] {
            let whole = folder.appendingPathComponent("whole-\(transport).ts")
            let started = Date()
            let viewer = try MediaTools.ffmpeg(
                ["-rtsp_transport", transport, "-i", url, "-c", "copy", "-f", "mpegts", whole.path],
                log: folder.appendingPathComponent("whole-\(transport).log"))
            // Ended by the BYE, not by a timeout; paced, so not much faster than the file's 8 s.
            #expect(BoundedWait.exit(viewer, seconds: 30, "RTSP file viewer") && viewer.terminationStatus == 0)
            let elapsed = Date().timeIntervalSince(started)
            #expect(elapsed > 6 && elapsed < 20, "\(transport): played in \(elapsed) s")
            let report = try MediaTools.report(whole.path)
            #expect((report["video"]?.pts.count ?? 0) >= 195, "\(transport): \(report["video"]?.pts.count ?? 0) frames")
            #expect(report["audio"]?.codec == "aac")
            #expect(
                try MediaTools.decodeErrors(whole.path, log: folder.appendingPathComponent("decode-\(transport).log"))
                    .isEmpty)
        }

        // From 5 s in (the keyframe at 4 s, with GOPs of 2 s): 3 to 4 s of pictures.
        let rest = folder.appendingPathComponent("rest.ts")
        try MediaTools.make(
            ["-rtsp_transport", "tcp", "-ss", "5", "-i", url, "-c", "copy", "-f", "mpegts", rest.path],
            log: folder.appendingPathComponent("rest.log"))
        let frames = try MediaTools.report(rest.path)["video"]?.pts.count ?? 0
        #expect(frames >= 70 && frames <= 110, "\(frames) frames after a seek to 5 s")
        #expect(controller.log.contains("plays the file movie"))
    }
}
