import Foundation
import MistData
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Stream processes as MistServer runs them: a live RTMP push whose stream has an FFMPEG process
/// gets a 320x180 H.264 rendition in the same stream, listed in `json_`, chosen by `?video=`,
/// a second HLS variant whose segments start at the source's keyframes, and restarted (and back
/// in its old track) when its ffmpeg is killed.
@Suite struct StreamProcessTests {
    static let process =
        #", "processes": [{"process": "FFMPEG", "x-LSP-kind": "video", "codec": "H264", "resolution": "320x180"}, "#
        + #"{"process": "FFMPEG", "x-LSP-kind": "audio", "codec": "opus"}]"#

    /// The stream's tracks from `json_`: track name → (width, height, lastms).
    static func tracks(_ port: Int) -> [String: (width: Int64, height: Int64, last: Int64)] {
        guard let body = try? HTTPTestClient(port: port).get("/json_live.js").body,
            let info = try? JSONParser.parse(body), let tracks = info["meta"]["tracks"].objectValue
        else { return [:] }
        var found: [String: (width: Int64, height: Int64, last: Int64)] = [:]
        for (name, track) in tracks where track["type"] == "video" {
            found[name] = (track["width"].intValue ?? 0, track["height"].intValue ?? 0, track["lastms"].intValue ?? 0)
        }
        return found
    }

    /// The segment start times of an HLS media playlist (`chunk_<ms>.ts`).
    static func segmentStarts(_ port: Int, _ path: String) -> Set<Int> {
        guard let body = try? HTTPTestClient(port: port).get(path).body else { return [] }
        return Set(
            String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { line in
                guard line.hasPrefix("chunk_") else { return nil }
                return Int(line.dropFirst(6).prefix { $0.isNumber })
            })
    }

    @Test(.enabled(if: MediaTools.available)) func anFFmpegProcessAddsARenditionThatComesBackWhenKilled() throws {
        let folder = try MediaTools.temporaryFolder("process")
        defer { try? FileManager.default.removeItem(at: folder) }
        let suite = try LivePushSuite(folder: folder, pushSeconds: 120, liveExtra: Self.process)
        defer { suite.stop() }
        let port = suite.httpPort
        #expect(
            waitFor(seconds: 30) {
                let sizes = Set(Self.tracks(port).values.map { "\($0.width)x\($0.height)" })
                return sizes == ["640x360", "320x180"]
            }, "\(Self.tracks(port)) \(suite.controller.log.suffix(3000))")
        #expect(suite.controller.log.contains("Started process MistProcFFMPEG"))

        // The AAC of the push also comes as Opus (what WebRTC needs), and plays in WebM.
        let audio = folder.appendingPathComponent("opus.log")
        var opus: JSONValue = .null
        #expect(
            waitFor(seconds: 20) {
                opus =
                    (try? MediaTools.probe(
                        "http://127.0.0.1:\(port)/live.webm?video=none&audio=opus", arguments: ["-show_streams"]))?[
                        "streams"][0] ?? .null
                return opus["codec_name"] == "opus"
            }, "\(opus)")
        let opusDecoder = try MediaTools.ffmpeg(
            [
                "-loglevel", "error", "-t", "3", "-i", "http://127.0.0.1:\(port)/live.webm?video=none&audio=opus", "-f",
                "null", "-",
            ],
            log: audio)
        BoundedWait.exit(opusDecoder, seconds: 60, "ffmpeg decoding the Opus track")
        #expect(opusDecoder.terminationStatus == 0)

        // proc_list shows both processes as MistServer's controller does.
        var processes: JSONValue = .null
        #expect(
            waitFor(seconds: 15) {
                processes = (try? suite.controller.call(#"{"proc_list": "live"}"#))?["proc_list"] ?? .null
                return (processes.objectValue?.count ?? 0) == 2
            }, "\(processes)")
        for (_, entry) in processes.objectValue ?? JSONObject() {
            #expect(entry["process"] == "FFMPEG" && entry["source"] == "live" && entry["sink"] == "live")
            #expect(entry["ainfo"]["cmd"].asString.hasPrefix("ffmpeg ") && entry["active_seconds"].intValue != nil)
            #expect(entry["logs"].isArray && !entry.hasMember("terminated"))
        }

        // `?video=320x180` plays the rendition, and it decodes cleanly.
        let probed = try MediaTools.probe(
            "http://127.0.0.1:\(port)/live.ts?video=320x180&audio=none",
            arguments: ["-read_intervals", "%+2", "-show_streams"])
        let stream = probed["streams"][0]
        #expect(stream["codec_name"] == "h264" && stream["width"] == 320 && stream["height"] == 180, "\(probed)")
        let (status, errors) = try Self.decode(port, "video=320x180", folder: folder, name: "decode")
        #expect(status == 0 && errors.isEmpty, "\(errors)")

        // Two HLS variants whose segments start together (the rendition keeps the keyframes).
        let master = String(decoding: try HTTPTestClient(port: port).get("/hls/live/index.m3u8").body, as: UTF8.self)
        let variants = master.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(variants.count == 2 && master.contains("RESOLUTION=320x180"), "\(master)")
        if variants.count == 2 {
            let paths = variants.map { "/hls/live/" + $0 }
            var shared: Set<Int> = []
            #expect(
                waitFor(seconds: 15) {
                    shared = Self.segmentStarts(port, paths[0]).intersection(Self.segmentStarts(port, paths[1]))
                    return shared.count >= 3
                }, "\(Self.segmentStarts(port, paths[0])) vs \(Self.segmentStarts(port, paths[1]))")
        }

        // Killing the process's ffmpeg restarts the process, and the rendition goes on in its track.
        let before = Set(processes.objectValue?.keys.map { $0 } ?? [])
        let renditions = ControllerHarness.processes(containing: ["ffmpeg", "pipe:0", "scale=320:180"])
        #expect(renditions.count == 1)
        for pid in renditions { kill(pid, SIGKILL) }
        let killedAt = Self.tracks(port).first { $0.value.width == 320 }?.value.last ?? 0
        #expect(
            waitFor(seconds: 30) {
                suite.controller.log.components(separatedBy: "Started process MistProcFFMPEG").count >= 3
            }, "\(suite.controller.log.suffix(3000))")
        #expect(
            waitFor(seconds: 30) {
                let now = Self.tracks(port)
                let rendition = now.values.filter { $0.width == 320 }
                return now.count == 2 && rendition.count == 1 && rendition[0].last > killedAt + 3000
            }, "\(Self.tracks(port))")

        // The process that ended is listed once more as terminated; the new one runs.
        let listed = (try? suite.controller.call(#"{"proc_list": ""}"#))?["proc_list"] ?? .null
        let terminated = (listed.objectValue ?? JSONObject()).filter { $0.value["terminated"] == true }.map(\.key)
        #expect(terminated.count == 1 && before.contains(terminated.first ?? ""), "\(listed)")
    }

    static let mkvExec =
        #", "processes": [{"process": "MKVExec", "exec": "cat"}, {"process": "MKVExec", "track_select": "#
        + #""video=all&audio=none", "exec": "ffmpeg -hide_banner -loglevel error -f matroska -i - -copyts -map 0:v "#
        + #"-vf hflip,scale=480:270 -c:v libx264 -preset ultrafast -tune zerolatency -force_key_frames source "#
        + #"-fps_mode passthrough -enc_time_base -1 -f matroska -"}]"#

    /// Decodes three seconds of `query` of the live stream; ffmpeg's complaints, if any.
    static func decode(_ port: Int, _ query: String, folder: URL, name: String) throws -> (Int32, String) {
        let log = folder.appendingPathComponent("\(name).log")
        let decoder = try MediaTools.ffmpeg(
            ["-loglevel", "error", "-t", "3", "-i", "http://127.0.0.1:\(port)/live.ts?\(query)", "-f", "null", "-"],
            log: log)
        BoundedWait.exit(decoder, seconds: 60, "ffmpeg decoding \(query)")
        return (decoder.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "no log")
    }

    @Test(.enabled(if: MediaTools.available)) func mkvExecThroughCatAndThroughAnFFmpegFilterAddsTracksThatPlay() throws
    {
        let folder = try MediaTools.temporaryFolder("mkvexec")
        defer { try? FileManager.default.removeItem(at: folder) }
        let suite = try LivePushSuite(folder: folder, pushSeconds: 90, liveExtra: Self.mkvExec)
        defer { suite.stop() }
        let port = suite.httpPort
        // The push's H.264 and AAC, cat's copies of both, and ffmpeg's flipped 480x270 video.
        var names: [String] = []
        #expect(
            waitFor(seconds: 30) {
                guard let body = try? HTTPTestClient(port: port).get("/json_live.js").body,
                    let tracks = (try? JSONParser.parse(body))?["meta"]["tracks"].objectValue
                else { return false }
                names = tracks.keys.sorted()
                return tracks.count == 5
            }, "\(names) \(suite.controller.log.suffix(3000))")
        let copies = names.filter { $0.hasPrefix("video_H264_640x360") }
        #expect(copies.count == 2 && names.contains { $0.hasPrefix("video_H264_480x270") }, "\(names)")
        #expect(names.filter { $0.hasPrefix("audio_AAC") }.count == 2, "\(names)")

        // ffmpeg's track plays.
        let (status, errors) = try Self.decode(port, "video=480x270&audio=none", folder: folder, name: "filtered")
        #expect(status == 0 && errors.isEmpty, "\(errors)")
        let probed = try MediaTools.probe(
            "http://127.0.0.1:\(port)/live.ts?video=480x270&audio=none", arguments: ["-show_streams"])
        #expect(probed["streams"][0]["width"] == 480 && probed["streams"][0]["height"] == 270, "\(probed)")
        // cat's copy (the higher index of the two 640x360 tracks) plays, with its audio copy.
        let indices = names.compactMap { name in name.split(separator: "_").last.flatMap { Int($0) } }
        let copy = copies.compactMap { $0.split(separator: "_").last.flatMap { Int($0) } }.max() ?? -1
        let audioCopy =
            names.filter { $0.hasPrefix("audio_AAC") }.compactMap { $0.split(separator: "_").last.flatMap { Int($0) } }
            .max() ?? -1
        #expect(indices.count == 5 && copy > 0 && audioCopy > 0)
        let (copyStatus, copyErrors) = try Self.decode(
            port, "video=\(copy)&audio=\(audioCopy)", folder: folder, name: "copy")
        #expect(copyStatus == 0 && copyErrors.isEmpty, "\(copyErrors)")
        #expect(suite.controller.log.contains("with cat (pid"))
    }

    static let masked =
        #", "processes": [{"process": "FFMPEG", "x-LSP-kind": "video", "codec": "H264", "resolution": "352x200", "#
        + #""target_mask": "4"}, {"process": "MKVExec", "track_select": "video=352x200&audio=none", "exec": "cat"}, "#
        + #"{"process": "FFMPEG", "x-LSP-kind": "audio", "codec": "opus", "source_mask": 4, "exit_unmask": true, "#
        + #""tags_inhibit": ["noopus"]}]"#

    /// `json_`'s tracks as "type codec WIDTHxHEIGHT" → count.
    static func listed(_ port: Int) -> [String: Int] {
        guard let body = try? HTTPTestClient(port: port).get("/json_live.js").body,
            let tracks = (try? JSONParser.parse(body))?["meta"]["tracks"].objectValue
        else { return [:] }
        var found: [String: Int] = [:]
        for (_, track) in tracks {
            let size = track["type"] == "video" ? " \(track["width"].asString)x\(track["height"].asString)" : ""
            found["\(track["type"].asString) \(track["codec"].asString)\(size)", default: 0] += 1
        }
        return found
    }

    /// (A size of its own: the kill test looks for its ffmpeg by its scale.)
    @Test(.enabled(if: MediaTools.available)) func masksAndInhibitorsDecideWhoSeesWhatAndWhatRuns() throws {
        let folder = try MediaTools.temporaryFolder("masks")
        defer { try? FileManager.default.removeItem(at: folder) }
        let suite = try LivePushSuite(folder: folder, pushSeconds: 120, liveExtra: Self.masked)
        defer { suite.stop() }
        let port = suite.httpPort
        // The rendition is for processes only: viewers see MKVExec's copy of it (which only a
        // process could read) and not the rendition itself. The AAC it encodes to Opus is
        // masked for processes only while the Opus process runs.
        let expected = ["video H264 640x360": 1, "video H264 352x200": 1, "audio opus": 1]
        #expect(
            waitFor(seconds: 40) { Self.listed(port) == expected },
            "\(Self.listed(port)) \(suite.controller.log.suffix(3000))")
        let (status, errors) = try Self.decode(port, "video=352x200&audio=opus", folder: folder, name: "copy")
        #expect(status == 0 && errors.isEmpty, "\(errors)")

        // A tag of tags_inhibit stops the Opus process; exit_unmask shows the AAC again.
        _ = try suite.controller.call(#"{"tag_stream": {"live": "noopus"}}"#)
        #expect(
            waitFor(seconds: 15) { Self.listed(port)["audio AAC"] == 1 },
            "\(Self.listed(port)) \(suite.controller.log.suffix(2000))")
        #expect(suite.controller.log.contains("no longer wanted"))
        #expect(suite.controller.log.contains("exit_unmask"))
        // Without the tag it runs again, and masks the AAC again.
        _ = try suite.controller.call(#"{"untag_stream": {"live": "noopus"}}"#)
        #expect(
            waitFor(seconds: 20) { Self.listed(port)["audio AAC"] == nil },
            "\(Self.listed(port)) \(suite.controller.log.suffix(2000))")
    }

    /// `json_` of `stream`: its video tracks' "WIDTHxHEIGHT" → lastms.
    static func videoLast(_ port: Int, _ stream: String) -> [String: Int64] {
        guard let body = try? HTTPTestClient(port: port).get("/json_\(stream).js").body,
            let tracks = (try? JSONParser.parse(body))?["meta"]["tracks"].objectValue
        else { return [:] }
        var found: [String: Int64] = [:]
        for (_, track) in tracks where track["type"] == "video" {
            found["\(track["width"].asString)x\(track["height"].asString)"] = track["lastms"].intValue ?? 0
        }
        return found
    }

    @Test(.enabled(if: MediaTools.available)) func aProcessFeedingAnotherStreamSwitchesToTheFallbackSource() throws {
        let folder = try MediaTools.temporaryFolder("switch")
        defer { try? FileManager.default.removeItem(at: folder) }
        let recorder = try TriggerRecorder { call in call.trigger == "PROCESS_SWITCH_SOURCE" ? "backup" : "" }
        let live =
            #", "fallback_stream": "backup", "processes": [{"process": "FFMPEG", "x-LSP-kind": "video", "#
            + #""codec": "H264", "resolution": "288x160", "sink": "out"}]"#
        let settings = #", "triggers": {"PROCESS_SWITCH_SOURCE": [{"handler": "\#(recorder.url)", "sync": true}]}"#
        let suite = try LivePushSuite(
            folder: folder, files: ["out": "push://", "backup": "push://"], pushSeconds: 120, liveExtra: live,
            settings: settings)
        defer { suite.stop() }
        let port = suite.httpPort
        let backup = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(suite.rtmpPort)/live/backup", seconds: 120,
            log: folder.appendingPathComponent("backup.log"))
        defer { BoundedWait.stop(backup) }

        // The process of `live` feeds `out`, a stream of its own.
        #expect(
            waitFor(seconds: 40) { (Self.videoLast(port, "out")["288x160"] ?? 0) > 3000 },
            "\(Self.videoLast(port, "out")) \(suite.controller.log.suffix(3000))")
        #expect(Self.videoLast(port, "out").count == 1)

        // `live` ends: the process asks PROCESS_SWITCH_SOURCE and goes on from `backup`.
        BoundedWait.stop(suite.push)
        #expect(
            waitFor(seconds: 40) { !recorder.calls("PROCESS_SWITCH_SOURCE").isEmpty },
            "\(suite.controller.log.suffix(3000))")
        let lines = recorder.calls("PROCESS_SWITCH_SOURCE").first?.lines ?? []
        #expect(lines.count == 5 && Array(lines.prefix(3)) == ["out", "live", "backup"], "\(lines)")
        let switchedAt = Int64(lines.count > 3 ? lines[3] : "") ?? -1
        #expect(switchedAt > 3000, "\(lines)")
        let config = (try? JSONParser.parse(lines.last ?? "")) ?? .null
        #expect(config["process"] == "FFMPEG" && config["sink"] == "out" && config["source"] == "live", "\(config)")
        #expect(
            waitFor(seconds: 30) { (Self.videoLast(port, "out")["288x160"] ?? 0) > switchedAt + 5000 },
            "\(switchedAt) \(Self.videoLast(port, "out")) \(suite.controller.log.suffix(3000))")
        #expect(suite.controller.log.contains("from live to backup"))
        // The same track goes on, and it plays.
        #expect(Self.videoLast(port, "out").count == 1)
        let probed = try MediaTools.probe(
            "http://127.0.0.1:\(port)/out.ts", arguments: ["-read_intervals", "%+2", "-show_streams"])
        #expect(probed["streams"][0]["width"] == 288 && probed["streams"][0]["height"] == 160, "\(probed)")

        // `backup` ends too: nothing to go on with (the handler names the same stream), so it ends.
        BoundedWait.stop(backup)
        #expect(
            waitFor(seconds: 40) { recorder.calls("PROCESS_SWITCH_SOURCE").count >= 2 },
            "\(suite.controller.log.suffix(3000))")
        let again = recorder.calls("PROCESS_SWITCH_SOURCE").last?.lines ?? []
        #expect(Array(again.prefix(3)) == ["out", "backup", ""], "\(again)")
        #expect(
            waitFor(seconds: 20) { suite.controller.log.contains("Not switching the process into out from backup") },
            "\(suite.controller.log.suffix(3000))")
    }

    @Test(.enabled(if: MediaTools.available)) func aStreamWaitsForDataWhileAProcessItNeedsRestarts() throws {
        let folder = try MediaTools.temporaryFolder("consequential")
        defer { try? FileManager.default.removeItem(at: folder) }
        let suite = try LivePushSuite(folder: folder, pushSeconds: 90)
        defer { suite.stop() }
        func status() -> JSONValue {
            let reply = try? suite.controller.call(#"{"active_streams": {"fields": ["status"]}}"#, path: "/api2")
            return reply?["active_streams"]["data"]["live"][0] ?? .null
        }
        func statuses(seconds: Double) -> [String] {
            var seen: [String] = []
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                seen.append(status().asString)
                usleep(100_000)
            }
            return seen
        }
        // A process whose command fails at once is started again every second: the stream waits.
        func configure(_ extra: String) throws {
            let call =
                #"{"addstream": {"live": {"source": "push://", "processes": [{"process": "MKVExec", "exec": "false""#
                + extra + "}]}}}"
            _ = try suite.controller.call(call)
        }
        try configure("")
        #expect(waitFor(seconds: 15) { status() == "Waiting for data" }, "\(status())")
        #expect(suite.controller.log.contains("Started process MistProcMKVExec"))
        // The same process marked inconsequential: the stream stays online while it restarts.
        try configure(#", "inconsequential": true"#)
        #expect(waitFor(seconds: 15) { status() == "Online" }, "\(status())")
        let seen = statuses(seconds: 4)
        #expect(seen.allSatisfy { $0 == "Online" }, "\(seen)")
        let starts = suite.controller.log.components(separatedBy: "Started process MistProcMKVExec").count - 1
        #expect(starts >= 3, "\(starts)")
    }
}
