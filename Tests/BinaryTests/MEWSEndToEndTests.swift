import Foundation
import MistData
import Testing

/// MP4 over WebSocket (MistServer's `ws/video/mp4`) on the HTTP port, driven by a WebSocket
/// client written in the tests with MistServer's player's commands: a live RTMP push arrives as
/// fMP4 that ffprobe decodes, a file is paced to the playback clock, seeks, ends with `on_stop`,
/// and bad frames close only their own connection.
@Suite(.serialized) struct MEWSEndToEndTests {
    @Test(.enabled(if: MediaTools.available)) func liveAndFilePlaybackWithCommands() throws {
        let folder = try MediaTools.temporaryFolder("mews")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.flv")
        try MediaTools.makeTestFile(movie, seconds: 6)
        let suite = try LivePushSuite(folder: folder, files: ["movie": movie.path, "later": "push://"])
        defer { suite.stop() }
        let (rtmpPort, httpPort) = (suite.rtmpPort, suite.httpPort)

        // json_ offers the WebSocket source beside progressive MP4, as MistServer does.
        let info = try HTTPTestClient(port: httpPort).get("/json_live.js").json()
        let sources = info["source"].arrayValue ?? []
        let ws = sources.first { $0["type"].asString == "ws/video/mp4" }
        #expect(ws?["url"].asString.hasPrefix("ws://localhost/live.mp4") == true, "\(sources)")
        #expect(ws?["priority"].asInt == 10)

        try Self.live(httpPort: httpPort, folder: folder, controller: suite.controller)
        try Self.file(httpPort: httpPort, folder: folder)
        try Self.badFrames(httpPort: httpPort)
        try Self.infoFeed(httpPort: httpPort, rtmpPort: rtmpPort, folder: folder)
    }

    /// `json_<stream>.js` as a WebSocket: the info at once, and again when the stream comes online.
    static func infoFeed(httpPort: Int, rtmpPort: Int, folder: URL) throws {
        let client = try WebSocketTestClient(port: httpPort, path: "/json_later.js")
        defer { client.close() }
        guard case .text(let first) = try client.next() else {
            Issue.record("no first stream info")
            return
        }
        #expect(try JSONParser.parse(first)["error"].asString == "Stream is offline", "\(first)")
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/later", seconds: 30, log: folder.appendingPathComponent("later.log"))
        defer { BoundedWait.stop(push) }
        var online: JSONValue?
        let deadline = Date().addingTimeInterval(20)
        while online == nil, Date() < deadline, let message = try client.next(seconds: deadline.timeIntervalSinceNow) {
            if case .text(let text) = message, let info = try? JSONParser.parse(text), info["type"].asString == "live" {
                online = info
            }
        }
        let info = try #require(online, "no update when the stream came online")
        #expect((info["meta"]["tracks"].objectValue?.count ?? 0) >= 2)
        #expect((info["source"].arrayValue ?? []).contains { $0["type"].asString == "ws/video/mp4" })
    }

    /// The player's start: codecs, the init segment, then a frame per message as published.
    static func live(httpPort: Int, folder: URL, controller: ControllerHarness) throws {
        let client = try WebSocketTestClient(port: httpPort, path: "/live.mp4")
        defer { client.close() }
        try client.send(json: ["type": "request_codec_data", "supported_codecs": ["H264", "AAC"]])
        let codecs = try #require(try client.next(type: "codec_data"))
        let names = (codecs["data"]["codecs"].arrayValue ?? []).map(\.asString)
        #expect(names.count == 2 && names[0].hasPrefix("avc1.") && names[1] == "mp4a.40.2", "\(codecs)")
        #expect(try client.next(type: "info")?["data"]["msg"].asString == "Sending header")
        guard case .binary(let header) = try client.next() else {
            Issue.record("no init segment")
            return
        }
        #expect(String(decoding: header[4..<8], as: UTF8.self) == "ftyp")
        var media = header
        var frames = 0
        var onTime: JSONValue?
        let until = Date().addingTimeInterval(3)
        while Date() < until {
            switch try client.next(seconds: until.timeIntervalSinceNow) {
            case .binary(let bytes):
                media += bytes
                frames += 1
            case .text(let text):
                let message = try JSONParser.parse(text)
                if message["type"].asString == "on_time" { onTime = message }
            default: break
            }
        }
        // 3 s of 25 fps video and 48 kHz AAC, a frame (or a video frame with the audio before it)
        // per message.
        #expect(frames >= 75, "\(frames) messages")
        // At the live point the viewer shares the fan-out group of live fMP4 (muxed once for all).
        #expect(
            waitFor(seconds: 5) { controller.log.contains("MP4 of live viewer") && controller.log.contains("joins") },
            "\(controller.log.suffix(2000))")
        let time = try #require(onTime, "no on_time")
        #expect(time["data"]["end"].asInt > 0 && time["data"].hasMember("unixoffset"), "\(time)")
        #expect(time["data"]["play_rate_curr"].asString == "auto")
        // At the live point: what was sent is within a second of the newest data.
        #expect(time["data"]["end"].asInt - time["data"]["current"].asInt < 1000, "\(time)")
        let file = folder.appendingPathComponent("live-ws.mp4")
        try Data(media).write(to: file)
        let report = try MediaTools.report(file.path)
        #expect(report["video"]?.codec == "h264" && report["video"]?.width == 640, "\(report)")
        #expect(report["audio"]?.codec == "aac")
        let errors = try MediaTools.decodeErrors(file.path, log: folder.appendingPathComponent("live-ws.log"))
        #expect(errors.isEmpty, "\(errors)")

        // Pause: the answer, then silence; stop: the server closes.
        try client.send(json: ["type": "pause"])
        #expect(try client.next(type: "pause")?["paused"].boolValue == true)
        var after = 0
        _ = try client.next(type: "never", seconds: 1.5) { _ in after += 1 }
        #expect(after == 0, "\(after) frames after the pause")
        try client.send(json: ["type": "stop"])
        #expect(try client.next(type: "never", seconds: 5) == nil)
    }

    /// A file: paced to the clock, a seek that starts at the keyframe before it, `on_stop` at the end.
    static func file(httpPort: Int, folder: URL) throws {
        let client = try WebSocketTestClient(port: httpPort, path: "/movie.mp4")
        defer { client.close() }
        try client.send(json: ["type": "request_codec_data"])
        #expect(try client.next(type: "codec_data") != nil)
        var header: [UInt8] = []
        _ = try client.next(type: "info")
        if case .binary(let bytes) = try client.next() { header = bytes }
        #expect(header.count > 8 && String(decoding: header[4..<8], as: UTF8.self) == "ftyp")
        // A second in, the clock (plus two seconds of lead) holds the rest of the 6 s file back.
        let first = try #require(try client.next(type: "on_time", seconds: 3))
        let current = first["data"]["current"].asInt
        #expect(current >= 1500 && current <= 4500, "\(first)")
        #expect(first["data"]["end"].asInt >= 5900 && first["data"]["begin"].asInt == 0, "\(first)")
        #expect(!first["data"].hasMember("unixoffset"))

        // The file's keyframes are 2 s apart, from its first frame at 21 ms: 4.1 s starts at 4.021.
        try client.send(json: ["type": "seek", "seek_time": 4100])
        let seek = try #require(try client.next(type: "seek"))
        #expect(
            seek["data"]["play_rate_curr"].asString == "fast-forward"
                || seek["data"]["play_rate_curr"].asString == "auto", "\(seek)")
        var media = header
        let stop = try client.next(type: "on_stop", seconds: 10) { media += $0 }
        #expect(stop?["data"]["end"].asInt ?? 0 >= 5900, "\(String(describing: stop))")
        let file = folder.appendingPathComponent("seek-ws.mp4")
        try Data(media).write(to: file)
        let report = try MediaTools.report(file.path)
        let pts = report["video"]?.pts ?? []
        #expect(abs((pts.min() ?? 0) - 4.021) < 0.01 && (pts.max() ?? 0) > 5.8, "\(pts)")

        try client.send(json: ["type": "set_speed", "play_rate": 2])
        let speed = try #require(try client.next(type: "set_speed"))
        #expect(speed["data"]["play_rate_prev"].asString == "auto" && speed["data"]["play_rate_curr"].doubleValue == 2)
    }

    /// Garbage commands are ignored; an unmasked frame gets close 1002 and only that connection ends.
    static func badFrames(httpPort: Int) throws {
        let client = try WebSocketTestClient(port: httpPort, path: "/live.mp4")
        defer { client.close() }
        try client.send(text: "{not json")
        try client.send(text: "[1,2,3]")
        try client.send(json: ["type": "seek"])
        #expect(try client.next(type: "seek")?["error"].asString == "seek_time missing")
        try client.send(opcode: 1, Array("{}".utf8), masked: false)
        var closeCode: [UInt8] = []
        while let message = try client.next(seconds: 5) {
            if case .close(let payload) = message {
                closeCode = Array(payload.prefix(2))
                break
            }
        }
        #expect(closeCode == [0x03, 0xEA])
        #expect(try HTTPTestClient(port: httpPort).get("/json_live.js").status == 200)
    }
}
