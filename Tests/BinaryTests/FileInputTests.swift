import Foundation
import MistData
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// File inputs started on demand by the controller, played back through MistOutHTTP: files made
/// by ffmpeg at test time, read back by ffprobe and ffmpeg.
@Suite(.serialized) struct FileInputTests {
    /// A controller with MistOutHTTP and one stream per file.
    static func server(_ streams: [String: URL]) throws -> (ControllerHarness, Int) {
        try server(sources: streams.mapValues(\.path))
    }

    static func server(sources: [String: String]) throws -> (ControllerHarness, Int) {
        let httpPort = ControllerHarness.freePort()
        let list = sources.map { "\"\($0.key)\": {\"name\": \"\($0.key)\", \"source\": \"\($0.value)\"}" }
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {\(list.joined(separator: ", "))}}
                """)
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        return (controller, httpPort)
    }

    /// Milliseconds until the first byte of `target` arrives.
    static func timeToFirstByte(_ port: Int, _ target: String) throws -> Double {
        let started = Date()
        let client = try TCPTestClient(port: UInt16(port))
        try client.write(Array("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        _ = try client.read(timeoutSeconds: 20)
        return Date().timeIntervalSince(started) * 1000
    }

    @Test(.enabled(if: MediaTools.available)) func anMP4WithBFramesAndTwoAudioTracks() throws {
        let folder = try MediaTools.temporaryFolder("mp4input")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("movie.mp4")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                "-f", "lavfi", "-i", "sine=frequency=500:sample_rate=44100", "-t", "8", "-map", "0", "-map", "1",
                "-map",
                "2", "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "50", "-pix_fmt", "yuv420p", "-c:a",
                "aac", "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fra", file.path,
            ], log: folder.appendingPathComponent("make.log"))
        let (controller, port) = try Self.server(["movie": file])
        let base = "http://127.0.0.1:\(port)"

        let firstStart = try Self.timeToFirstByte(port, "/movie.ts")
        // (The input writes it once the stream is ready, so it may land just after the first byte.)
        #expect(
            waitFor(seconds: 10) { FileManager.default.fileExists(atPath: file.path + ".dtsh") },
            "the header cache is written")
        let info = try HTTPTestClient(port: port).get("/json_movie.js").json()
        let tracks = info["meta"]["tracks"].objectValue ?? [:]
        #expect(tracks.count == 3)
        #expect(Set(tracks.compactMap { $0.value["lang"].stringValue }) == ["und", "eng", "fra"])
        #expect(info["width"] == 640 && info["height"] == 360 && info["type"] == "vod")

        // HLS and progressive MP4 read back: the source's tracks and length, B-frames kept.
        let source = try #require(try MediaTools.report(file.path)["video"])
        let sourceLength = (source.pts.max() ?? 0) - (source.pts.min() ?? 0)
        for (name, url, muxer) in [
            ("hls", "\(base)/hls/movie/index.m3u8", "mpegts"), ("mp4", "\(base)/movie.mp4", "mp4"),
        ] {
            let copy = folder.appendingPathComponent("copy-\(name).\(muxer == "mp4" ? "mp4" : "ts")")
            try MediaTools.make(
                ["-i", url, "-c", "copy", "-f", muxer, copy.path], log: folder.appendingPathComponent("\(name).log"))
            let report = try MediaTools.report(copy.path)
            let video = try #require(report["video"], "\(name)")
            #expect(video.codec == "h264" && video.width == 640 && video.height == 360, "\(name)")
            #expect(video.pts.count == source.pts.count, "\(name): \(video.pts.count) frames")
            let length = (video.pts.max() ?? 0) - (video.pts.min() ?? 0)
            #expect(abs(length - sourceLength) <= 0.041, "\(name): \(length) s against \(sourceLength) s")
            #expect(zip(video.pts, video.dts).contains { $0 > $1 }, "\(name): B-frames reordered")
            #expect(report["audio"]?.codec == "aac", "\(name)")
            #expect(try MediaTools.decodeErrors(url, log: folder.appendingPathComponent("\(name)-decode.log")).isEmpty)
        }
        // The second audio track by language; a seek to the middle starts within one GOP.
        let french = folder.appendingPathComponent("french.ts")
        try MediaTools.make(
            ["-i", "\(base)/movie.ts?audio=fra", "-c", "copy", "-f", "mpegts", french.path],
            log: folder.appendingPathComponent("french.log"))
        let frenchAudio = try MediaTools.probe(french.path, arguments: ["-show_streams", "-select_streams", "a"])
        #expect(frenchAudio["streams"][0]["sample_rate"] == "44100")
        let seekVideo = try #require(try MediaTools.report("\(base)/movie.ts?start=4500")["video"])
        let firstShown = seekVideo.pts.min() ?? 0
        #expect(firstShown <= 4.5 + 0.1 && firstShown > 4.5 - 2.1, "starts at \(firstShown) s")

        // Unload the input, then start again: the header cache is used.
        let inputs = ControllerHarness.processes(containing: ["MistInMP4", file.path])
        #expect(inputs.count == 1)
        for pid in inputs { kill(pid, SIGTERM) }
        #expect(waitFor { ControllerHarness.processes(containing: ["MistInMP4", file.path]).isEmpty })
        let secondStart = try Self.timeToFirstByte(port, "/movie.ts")
        print("MistInMP4 time to first byte: first start \(Int(firstStart)) ms, second \(Int(secondStart)) ms")
        // The second start published the metadata from the cache, then read the file behind it;
        // it plays the same frames.
        #expect(waitFor { controller.log.contains("movie: read the file behind its header cache") })
        let cached = try #require(try MediaTools.report("\(base)/movie.ts")["video"])
        #expect(cached.pts.count == source.pts.count)
        let cachedLength = (cached.pts.max() ?? 0) - (cached.pts.min() ?? 0)
        #expect(abs(cachedLength - sourceLength) <= 0.041)
        #expect(zip(cached.pts, cached.dts).contains { $0 > $1 })
    }

    /// The data pages of `stream`'s track `track` now in shared memory, by first key.
    static func loadedPages(_ controller: ControllerHarness, _ stream: String, track: Int) -> [Int] {
        let prefix = "MstData\(stream)@\(track)_"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: controller.shmFolder.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.compactMap { Int($0.dropFirst(prefix.count)) }.sorted()
    }

    @Test(.enabled(if: MediaTools.available)) func pagesLoadAsViewersNeedThemAndAreFreedAfter() throws {
        let folder = try MediaTools.temporaryFolder("ondemand")
        defer { try? FileManager.default.removeItem(at: folder) }
        // 150 s: three pages per track (a page holds up to 60 s).
        let file = folder.appendingPathComponent("long.mp4")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10", "-f", "lavfi", "-i", "sine=sample_rate=8000",
                "-t", "150", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a",
                "aac", "-b:a", "16k", file.path,
            ], log: folder.appendingPathComponent("make.log"))
        let (controller, port) = try Self.server(["long": file])
        defer { controller.stop() }

        // Started: the metadata is whole, but only each track's first page is in memory.
        let info = try HTTPTestClient(port: port).get("/json_long.js").json()
        #expect(
            abs(
                (info["meta"]["tracks"].objectValue?.first { $0.value["type"] == "video" }?.value["lastms"]
                    .intValue ?? 0) - 149_900) <= 200)
        #expect(Self.loadedPages(controller, "long", track: 0) == [0])
        #expect(Self.loadedPages(controller, "long", track: 1) == [0])

        // A seek near the end loads the page it lands in, not the ones between.
        let tail = try #require(try MediaTools.report("http://127.0.0.1:\(port)/long.ts?start=140000")["video"])
        #expect((tail.pts.min() ?? 0) > 134 && (tail.pts.min() ?? 0) <= 140.1, "starts at \(tail.pts.min() ?? 0) s")
        #expect(tail.pts.count >= 95 && tail.pts.count <= 160, "\(tail.pts.count) frames")
        let afterSeek = Self.loadedPages(controller, "long", track: 0)
        #expect(afterSeek.count == 2 && afterSeek.first == 0, "video pages after the seek: \(afterSeek)")
        #expect(Self.loadedPages(controller, "long", track: 1).count == 2)

        // Played whole, every page is loaded in turn and the stream is complete and in order.
        let whole = try MediaTools.report("http://127.0.0.1:\(port)/long.ts")
        let video = try #require(whole["video"])
        #expect(video.pts.count == 1500)
        #expect(video.dts == video.dts.sorted())
        let audio = try #require(whole["audio"])
        #expect(abs(((audio.pts.max() ?? 0) - (audio.pts.min() ?? 0)) - 150) < 0.2)
        #expect(Self.loadedPages(controller, "long", track: 0).count == 3)

        // Nobody reads: all but the first pages are freed, and the stream still plays.
        // (Each page is freed on its own clock, so the audio's last page may go a sweep later.)
        #expect(
            waitFor(seconds: 20) {
                Self.loadedPages(controller, "long", track: 0) == [0]
                    && Self.loadedPages(controller, "long", track: 1) == [0]
            },
            "pages left: \(Self.loadedPages(controller, "long", track: 0)) \(Self.loadedPages(controller, "long", track: 1))"
        )
        let again = try #require(try MediaTools.report("http://127.0.0.1:\(port)/long.ts?start=70000")["video"])
        #expect((again.pts.min() ?? 0) > 64 && (again.pts.min() ?? 0) <= 70.1)
        #expect(again.pts.count >= 790 && again.pts.count <= 860, "\(again.pts.count) frames")
    }

    @Test(.enabled(if: MediaTools.available)) func subtitlesOfAnMP4AsSubRipAndWebVTT() throws {
        let folder = try MediaTools.temporaryFolder("subtitles")
        defer { try? FileManager.default.removeItem(at: folder) }
        let srt = folder.appendingPathComponent("source.srt")
        try Data(
            "1\n00:00:01,000 --> 00:00:02,500\nHello there\n\n2\n00:00:03,000 --> 00:00:04,200\nSecond\ncue\n\n".utf8
        ).write(to: srt)
        let file = folder.appendingPathComponent("movie.mp4")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-i", srt.path, "-t", "6", "-c:v", "libx264",
                "-preset", "ultrafast", "-bf", "0", "-pix_fmt", "yuv420p", "-c:s", "mov_text", file.path,
            ], log: folder.appendingPathComponent("make.log"))
        let (controller, port) = try Self.server(["movie": file])
        defer { controller.stop() }
        let info = try HTTPTestClient(port: port).get("/json_movie.js").json()
        #expect(info["meta"]["tracks"].objectValue?.contains { $0.value["codec"] == "subtitle" } == true)
        let subtitleIndex =
            info["meta"]["tracks"].objectValue?.first { $0.value["codec"] == "subtitle" }?.value["idx"].intValue ?? -1
        let sources = info["source"].arrayValue ?? []
        // MistServer's order: MP4 over WebSocket (priority 10), then HLS.
        #expect(sources.prefix(2).map(\.["type"]) == ["ws/video/mp4", "html5/application/vnd.apple.mpegurl"])
        #expect(
            sources.contains { $0["type"] == "html5/text/vtt" && $0["relurl"].asString.hasPrefix("movie.webvtt?tkn=") })
        #expect(
            sources.contains { $0["type"] == "html5/text/plain" && $0["relurl"].asString.hasPrefix("movie.srt?tkn=") })

        let subRip = try HTTPTestClient(port: port).get("/movie.srt")
        #expect(subRip.status == 200)
        #expect(
            String(decoding: subRip.body, as: UTF8.self)
                == "1\n00:00:01,000 --> 00:00:02,500\nHello there\n\n2\n00:00:03,000 --> 00:00:04,200\nSecond\ncue\n\n")
        // ffmpeg reads the WebVTT back with the same cues.
        let copy = folder.appendingPathComponent("copy.srt")
        try MediaTools.make(
            ["-i", "http://127.0.0.1:\(port)/movie.vtt", "-f", "srt", copy.path],
            log: folder.appendingPathComponent("vtt.log"))
        // (ffmpeg's SubRip writer ends lines inside a cue with CR LF.)
        let text = try String(contentsOf: copy, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(text.contains("00:00:01,000 --> 00:00:02,500\nHello there"))
        #expect(text.contains("00:00:03,000 --> 00:00:04,200\nSecond\ncue"))
        // HLS: a subtitle rendition in the master playlist, WebVTT windows as its segments;
        // ffmpeg (whose HLS subtitles are experimental) reads the cues back through it.
        let master = String(decoding: try HTTPTestClient(port: port).get("/hls/movie/index.m3u8").body, as: UTF8.self)
        #expect(master.contains("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"sub1\""))
        #expect(master.contains(",SUBTITLES=\"sub1\""))
        let viaHLS = folder.appendingPathComponent("hls.srt")
        try MediaTools.make(
            [
                "-strict", "experimental", "-i", "http://127.0.0.1:\(port)/hls/movie/index.m3u8", "-map", "0:s", "-f",
                "srt", viaHLS.path,
            ], log: folder.appendingPathComponent("hls.log"))
        let hlsText = try String(contentsOf: viaHLS, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(hlsText.contains("00:00:01,000 --> 00:00:02,500\nHello there"))
        #expect(hlsText.contains("00:00:03,000 --> 00:00:04,200\nSecond\ncue"))
        let segment = String(
            decoding: try HTTPTestClient(port: port).get("/movie.vtt?meta=\(subtitleIndex)&from=2000&to=4000").body,
            as: UTF8.self)
        #expect(
            segment.hasPrefix("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n00:00:03.000 --> 00:00:04.200"))
        // A window, and a stream without subtitles.
        let late = try HTTPTestClient(port: port).get("/movie.srt?start=2800")
        #expect(String(decoding: late.body, as: UTF8.self).hasPrefix("1\n00:00:03,000 --> 00:00:04,200\nSecond"))
        #expect(try HTTPTestClient(port: port).get("/movie.srt?track=0").status == 404)
    }

    @Test(.enabled(if: MediaTools.available)) func fragmentedHEVCAndOpusFiles() throws {
        let folder = try MediaTools.temporaryFolder("mp4kinds")
        defer { try? FileManager.default.removeItem(at: folder) }
        let pattern = [
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t",
            "6",
        ]
        let fragmented = folder.appendingPathComponent("frag.mp4")
        try MediaTools.make(
            pattern + [
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-movflags", "frag_keyframe+empty_moov", fragmented.path,
            ], log: folder.appendingPathComponent("frag.log"))
        let hevc = folder.appendingPathComponent("hevc.mp4")
        try MediaTools.make(
            pattern + [
                "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-g", "50", "-pix_fmt",
                "yuv420p", "-c:a", "libmp3lame", hevc.path,
            ], log: folder.appendingPathComponent("hevc.log"))
        let opus = folder.appendingPathComponent("opus.mp4")
        try MediaTools.make(
            pattern + [
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "libopus",
                opus.path,
            ], log: folder.appendingPathComponent("opus.log"))
        // Opus in MPEG-TS too (registration descriptor, control headers, several units a PES).
        let opusTS = folder.appendingPathComponent("opus.ts")
        try MediaTools.make(
            pattern + [
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "libopus",
                opusTS.path,
            ], log: folder.appendingPathComponent("opusts.log"))
        let (controller, port) = try Self.server([
            "frag": fragmented, "hevc": hevc, "opus": opus, "opusts": opusTS,
        ])
        defer { controller.stop() }
        // Each plays back through HLS and as progressive MP4 with its source's tracks: 150
        // frames, the audio's length within one frame of the source's, and no decode errors.
        for (stream, videoCodec, audioCodec) in [
            ("frag", "h264", "aac"), ("hevc", "hevc", "mp3"), ("opus", "h264", "opus"), ("opusts", "h264", "opus"),
        ] {
            for (name, path, muxer) in [
                ("hls", "/hls/\(stream)/index.m3u8", "mpegts"), ("mp4", "/\(stream).mp4", "mp4"),
            ] {
                let copy = folder.appendingPathComponent("\(stream)-\(name).\(muxer == "mp4" ? "mp4" : "ts")")
                try MediaTools.make(
                    ["-i", "http://127.0.0.1:\(port)\(path)", "-c", "copy", "-f", muxer, copy.path],
                    log: folder.appendingPathComponent("\(stream)-\(name).log"))
                let report = try MediaTools.report(copy.path)
                #expect(report["video"]?.codec == videoCodec && report["video"]?.pts.count == 150, "\(stream) \(name)")
                let audio = try #require(report["audio"], "\(stream) \(name)")
                #expect(audio.codec == audioCodec, "\(stream) \(name)")
                let length = (audio.pts.max() ?? 0) - (audio.pts.min() ?? 0)
                #expect(abs(length - 6) <= 0.07, "\(stream) \(name): audio spans \(length) s")
                #expect(
                    try MediaTools.decodeErrors(
                        "http://127.0.0.1:\(port)\(path)",
                        log: folder.appendingPathComponent("\(stream)-\(name)-decode.log")
                    ).isEmpty, "\(stream) \(name)")
            }
        }
        let info = try HTTPTestClient(port: port).get("/json_opus.js").json()
        let track = try #require(info["meta"]["tracks"].objectValue?.first { $0.value["codec"] == "opus" }?.value)
        #expect(track["rate"] == 48000 && track["init"].asString.hasPrefix("OpusHead"))
        #expect(abs((track["lastms"].intValue ?? 0) - 6000) <= 40)
    }

    @Test(.enabled(if: MediaTools.available)) func tsAndFLVFilesPlayBack() throws {
        let folder = try MediaTools.temporaryFolder("tsflvinput")
        defer { try? FileManager.default.removeItem(at: folder) }
        let h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "50", "-pix_fmt", "yuv420p"]
        let hevc = [
            "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-g", "50", "-pix_fmt",
            "yuv420p",
        ]
        let kinds: [(name: String, file: String, codecs: [String], video: String, audio: String)] = [
            ("tsavc", "tsavc.ts", h264 + ["-c:a", "aac"], "h264", "aac"),
            ("tshevc", "tshevc.ts", hevc + ["-c:a", "libmp3lame"], "hevc", "mp3"),
            ("flvavc", "flvavc.flv", h264 + ["-c:a", "aac"], "h264", "aac"),
            ("flvmp3", "flvmp3.flv", h264 + ["-c:a", "libmp3lame", "-ar", "44100"], "h264", "mp3"),
        ]
        var streams: [String: URL] = [:]
        for kind in kinds {
            let file = folder.appendingPathComponent(kind.file)
            try MediaTools.make(
                [
                    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                    "-t", "6",
                ] + kind.codecs + [file.path], log: folder.appendingPathComponent("\(kind.name).log"))
            streams[kind.name] = file
        }
        let (controller, port) = try Self.server(streams)
        defer { controller.stop() }
        for kind in kinds {
            let source = try #require(try MediaTools.report(folder.appendingPathComponent(kind.file).path)["video"])
            let copy = folder.appendingPathComponent("\(kind.name)-copy.ts")
            let url = "http://127.0.0.1:\(port)/hls/\(kind.name)/index.m3u8"
            try MediaTools.make(
                ["-i", url, "-c", "copy", "-f", "mpegts", copy.path],
                log: folder.appendingPathComponent("\(kind.name)-copy.log"))
            let report = try MediaTools.report(copy.path)
            let video = try #require(report["video"], "\(kind.name)")
            #expect(video.codec == kind.video && video.width == 640 && video.height == 360, "\(kind.name)")
            #expect(
                video.pts.count == source.pts.count, "\(kind.name): \(video.pts.count) of \(source.pts.count) frames")
            let length = (video.pts.max() ?? 0) - (video.pts.min() ?? 0)
            let sourceLength = (source.pts.max() ?? 0) - (source.pts.min() ?? 0)
            #expect(abs(length - sourceLength) <= 0.041, "\(kind.name): \(length) s against \(sourceLength) s")
            #expect(report["audio"]?.codec == kind.audio, "\(kind.name)")
            #expect(
                try MediaTools.decodeErrors(url, log: folder.appendingPathComponent("\(kind.name)-decode.log")).isEmpty)
        }
        // A TS file as MP4 too (the AAC one), and the inputs that served them.
        let mp4 = folder.appendingPathComponent("tsavc.mp4")
        try MediaTools.make(
            ["-i", "http://127.0.0.1:\(port)/tsavc.mp4", "-c", "copy", mp4.path],
            log: folder.appendingPathComponent("mp4.log"))
        #expect(try MediaTools.report(mp4.path)["video"]?.pts.count == 150)
        #expect(controller.log.contains("Started MistInTS") && controller.log.contains("Started MistInFLV"))
    }

    @Test(.enabled(if: MediaTools.available)) func aFolderServesEachFileAsAStream() throws {
        let folder = try MediaTools.temporaryFolder("folderinput")
        defer { try? FileManager.default.removeItem(at: folder) }
        let media = folder.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        for name in ["movie.mp4", "clip.flv"] {
            try MediaTools.make(
                [
                    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                    "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a",
                    "aac",
                    media.appendingPathComponent(name).path,
                ], log: folder.appendingPathComponent("\(name).log"))
        }
        try Data("secret".utf8).write(to: folder.appendingPathComponent("secret.mp4"))
        let (controller, port) = try Self.server(sources: ["files": media.path + "/"])
        defer { controller.stop() }
        for (stream, frames) in [("files+movie.mp4", 75), ("files+clip.flv", 75)] {
            let report = try MediaTools.report("http://127.0.0.1:\(port)/\(stream).ts")
            #expect(report["video"]?.pts.count == frames && report["video"]?.width == 320, "\(stream)")
            #expect(report["audio"]?.codec == "aac", "\(stream)")
        }
        #expect(controller.log.contains("Playing \(media.path)/movie.mp4 as files+movie.mp4 with MistInMP4"))
        #expect(controller.log.contains("with MistInFLV"))
        // Files that are not there, and paths out of the folder, are not streams.
        for stream in ["files+nothing.mp4", "files+..%2Fsecret.mp4", "files"] {
            let response = try HTTPTestClient(port: port).get("/\(stream).ts")
            #expect(response.status == 404, "\(stream)")
        }
    }

    @Test(.enabled(if: MediaTools.available)) func liveTSFromACommandAndFromUDP() throws {
        let folder = try MediaTools.temporaryFolder("livets")
        defer { try? FileManager.default.removeItem(at: folder) }
        let encode = [
            "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
            "-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-f", "mpegts",
        ]
        let udpPort = ControllerHarness.freePort()
        let command = (["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error"] + encode + ["-"]).joined(
            separator: " ")
        let (controller, port) = try Self.server(sources: [
            "fromexec": "ts-exec:\(command)", "fromudp": "tsudp://127.0.0.1:\(udpPort)",
        ])
        defer { controller.stop() }
        // Viewers ask first: each asks its input to start, which waits for the TS to flow.
        let viewers = try ["fromexec", "fromudp"].map { stream in
            (
                stream,
                try MediaTools.ffmpeg(
                    [
                        "-i", "http://127.0.0.1:\(port)/\(stream).ts", "-t", "4", "-c", "copy", "-f", "mpegts",
                        folder.appendingPathComponent("\(stream).ts").path,
                    ],
                    log: folder.appendingPathComponent("\(stream)-viewer.log"))
            )
        }
        #expect(
            waitFor { !ControllerHarness.processes(containing: ["MistInTS", "tsudp://127.0.0.1:\(udpPort)"]).isEmpty })
        usleep(300_000)
        let sender = try MediaTools.ffmpeg(
            encode + ["udp://127.0.0.1:\(udpPort)?pkt_size=1316"], log: folder.appendingPathComponent("udp.log"))
        defer { if sender.isRunning { sender.terminate() } }
        for (stream, viewer) in viewers {
            #expect(RTMPEndToEndTests.finish(viewer, seconds: 30), "\(stream)")
            let report = try MediaTools.report(folder.appendingPathComponent("\(stream).ts").path)
            let video = try #require(report["video"], "\(stream)")
            #expect(video.codec == "h264" && video.width == 320, "\(stream)")
            #expect(video.pts.count >= 75, "\(stream): \(video.pts.count) frames")
            #expect(report["audio"]?.codec == "aac", "\(stream)")
        }
        #expect(controller.log.contains("Reading MPEG-TS from ts-exec:ffmpeg"))
    }

    @Test(.enabled(if: MediaTools.available)) func hlsPullsOfAFileAndOfALiveStream() throws {
        let folder = try MediaTools.temporaryFolder("hlsinput")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("movie.mp4")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                "-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac",
                file.path,
            ], log: folder.appendingPathComponent("make.log"))
        let rtmpPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let base = "http://127.0.0.1:\(httpPort)"
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"movie": {"name": "movie", "source": "\(file.path)"},
                             "pulled": {"name": "pulled", "source": "\(base)/hls/movie/index.m3u8"},
                             "live": {"name": "live", "source": "push://"},
                             "relay": {"name": "relay", "source": "\(base)/hls/live/index.m3u8"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) && ControllerHarness.portAccepts(httpPort) })
        // A complete playlist: downloaded and played as a file.
        let info = try HTTPTestClient(port: httpPort).get("/json_pulled.js").json()
        #expect(info["type"] == "vod" && info["width"] == 320)
        let pulled = try MediaTools.report("\(base)/pulled.ts")
        #expect(pulled["video"]?.pts.count == 200 && pulled["audio"]?.codec == "aac")
        #expect(controller.log.contains("Downloaded 4 segments of \(base)/hls/movie/index.m3u8"))

        // A live playlist, followed.
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 14, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        // The relay's input waits for the live playlist's first complete segments.
        let relayed = folder.appendingPathComponent("relay.ts")
        try MediaTools.make(
            ["-i", "\(base)/relay.ts", "-t", "3", "-c", "copy", "-f", "mpegts", relayed.path],
            log: folder.appendingPathComponent("relay.log"))
        let report = try MediaTools.report(relayed.path)
        #expect(report["video"]?.codec == "h264" && report["video"]?.width == 640)
        #expect((report["video"]?.pts.count ?? 0) >= 70, "\(report["video"]?.pts.count ?? 0) frames")
        #expect(report["audio"]?.codec == "aac")
        #expect(controller.log.contains("Reading MPEG-TS from \(base)/hls/live/index.m3u8"))
    }

    @Test(.enabled(if: MediaTools.available)) func aPlaylistPlaysItsFilesInALoopAsOneLiveStream() throws {
        let folder = try MediaTools.temporaryFolder("playlistinput")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, pattern) in [("one.mp4", "testsrc2"), ("two.flv", "smptebars")] {
            try MediaTools.make(
                [
                    "-f", "lavfi", "-i", "\(pattern)=size=320x240:rate=25", "-f", "lavfi", "-i",
                    "sine=sample_rate=48000",
                    "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a",
                    "aac", folder.appendingPathComponent(name).path,
                ], log: folder.appendingPathComponent("\(name).log"))
        }
        let playlist = folder.appendingPathComponent("show.pls")
        try "# two short clips\none.mp4\n\(folder.path)/two.flv\nmissing.mp4\n".write(
            to: playlist, atomically: true, encoding: .utf8)
        let (controller, port) = try Self.server(["show": playlist])
        defer { controller.stop() }
        // Seven seconds of the live stream: both clips, the missing one skipped, and the loop.
        let recording = folder.appendingPathComponent("show.ts")
        try MediaTools.make(
            ["-i", "http://127.0.0.1:\(port)/show.ts", "-t", "7", "-c", "copy", "-f", "mpegts", recording.path],
            log: folder.appendingPathComponent("show.log"))
        let report = try MediaTools.report(recording.path)
        let video = try #require(report["video"])
        #expect(video.codec == "h264" && video.width == 320)
        #expect(video.pts.count >= 150, "\(video.pts.count) frames")
        #expect(zip(video.dts, video.dts.dropFirst()).allSatisfy { $0 < $1 }, "timestamps run on across entries")
        #expect(report["audio"]?.codec == "aac")
        #expect(controller.log.contains("Playing \(folder.path)/one.mp4"))
        #expect(controller.log.contains("Playing \(folder.path)/two.flv"))
        #expect(controller.log.contains("missing.mp4 cannot be played"))
    }

    @Test(.enabled(if: MediaTools.available)) func brokenFilesFailCleanlyOrPlayWhatIsThere() throws {
        let folder = try MediaTools.temporaryFolder("mp4broken")
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = folder.appendingPathComponent("whole.mp4")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "8", "-c:v", "libx264", "-preset",
                "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-movflags", "faststart", whole.path,
            ], log: folder.appendingPathComponent("make.log"))
        let bytes = try Data(contentsOf: whole)
        // Index first, then cut in half: the first half plays.
        let truncated = folder.appendingPathComponent("truncated.mp4")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        // Not an MP4 at all.
        let garbage = folder.appendingPathComponent("garbage.mp4")
        try Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: garbage)
        let (controller, port) = try Self.server(["truncated": truncated, "garbage": garbage])

        let copy = folder.appendingPathComponent("half.ts")
        try MediaTools.make(
            ["-i", "http://127.0.0.1:\(port)/truncated.ts", "-c", "copy", "-f", "mpegts", copy.path],
            log: folder.appendingPathComponent("half.log"))
        let frames = try MediaTools.report(copy.path)["video"]?.pts.count ?? 0
        #expect(frames > 40 && frames < 200, "\(frames) frames of the readable half")
        #expect(controller.log.contains("samples lie past the end of the file"))
        let started = Date()
        let refused = try HTTPTestClient(port: port).get("/garbage.ts")
        #expect(refused.status == 404 && Date().timeIntervalSince(started) < 10)
        #expect(controller.log.contains("MP4 file without a moov box") || controller.log.contains("invalid"))
    }
}
