import Foundation
import MistData
import Synchronization
import Testing

/// CMAF from the HTTP port: DASH (`index.mpd`) and HLS version 7 (`index.m3u8`) of fragmented MP4
/// segments, read by ffmpeg and ffprobe from a live RTMP push and from a file.
@Suite(.serialized) struct CMAFEndToEndTests {
    @Test(.enabled(if: MediaTools.available)) func dashAndCMAFHLSOfALivePushAndAFile() throws {
        let folder = try MediaTools.temporaryFolder("cmaf")
        defer { try? FileManager.default.removeItem(at: folder) }
        let movie = folder.appendingPathComponent("movie.mp4")
        try MediaTools.makeTestFile(movie, seconds: 6)
        let suite = try LivePushSuite(folder: folder, files: ["movie": movie.path])
        defer { suite.stop() }
        let httpPort = suite.httpPort
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

        try Self.lowLatencyHLS(httpPort: httpPort)

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

    /// LL-HLS on the live media playlist: parts, a preload hint, and a blocking `_HLS_msn` /
    /// `_HLS_part` request that returns within one part duration of the part's publication
    /// (timed against a plain poller), then the hinted part itself.
    static func lowLatencyHLS(httpPort: Int) throws {
        let master = String(
            decoding: try HTTPTestClient(port: httpPort).get("/cmaf/live/index.m3u8").body, as: UTF8.self)
        let variant = try #require(master.split(whereSeparator: \.isNewline).first { !$0.hasPrefix("#") })
        let path = "/cmaf/live/\(variant.prefix { $0 != "?" })"
        let playlist = String(decoding: try HTTPTestClient(port: httpPort).get(path).body, as: UTF8.self)
        #expect(playlist.contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500"), "\(playlist)")
        #expect(playlist.contains("#EXT-X-PART-INF:PART-TARGET=0.500") && playlist.contains("#EXT-X-PART:DURATION="))
        let lines = playlist.split(whereSeparator: \.isNewline).map(String.init)
        let hint = try #require(lines.first { $0.hasPrefix("#EXT-X-PRELOAD-HINT:") })
        // (Without the viewer's `?tkn=`: each connection here is a session of its own.)
        let hinted = try #require(
            hint.split(separator: "\"").dropFirst().first.map { String($0.prefix { $0 != "?" }) })
        let numbers = hinted.dropFirst(6).dropLast(4).split(separator: ".")
        let part = try #require(numbers.count == 2 ? Int(numbers[1]) : nil)
        let first = try #require(
            lines.first { $0.hasPrefix("#EXT-X-MEDIA-SEQUENCE:") }.flatMap { Int($0.dropFirst(22)) })
        let growing = first + lines.filter { $0.hasPrefix("#EXTINF:") }.count
        // A poller sees the part appear; the blocking request should not lag it by a part.
        let appeared = Mutex<Date?>(nil)
        let polling = Atomic<Bool>(true)
        Thread.detachNewThread {
            while polling.load(ordering: .relaxed) {
                if let text = try? HTTPTestClient(port: httpPort).get("\(path)?llhls=1").body,
                    String(decoding: text, as: UTF8.self).contains("#EXT-X-PART:DURATION=0.500,URI=\"\(hinted)")
                {
                    appeared.withLock { $0 = $0 ?? Date() }
                }
                usleep(20_000)
            }
        }
        defer { polling.store(false, ordering: .relaxed) }
        let asked = Date()
        let blocked = try HTTPTestClient(port: httpPort).get("\(path)?_HLS_msn=\(growing)&_HLS_part=\(part)")
        let answered = Date()
        #expect(blocked.status == 200)
        #expect(String(decoding: blocked.body, as: UTF8.self).contains("#EXT-X-PART:DURATION=0.500,URI=\"\(hinted)"))
        #expect(answered.timeIntervalSince(asked) < 3, "held \(answered.timeIntervalSince(asked)) s")
        #expect(waitFor(seconds: 5) { appeared.withLock { $0 } != nil })
        if let seen = appeared.withLock({ $0 }) {
            #expect(
                answered.timeIntervalSince(seen) < 0.5,
                "answered \(answered.timeIntervalSince(seen)) s after the part appeared")
        }
        // The hinted part is an fMP4 fragment.
        let partBytes = try HTTPTestClient(port: httpPort).get(
            path.replacingOccurrences(of: "index.m3u8", with: hinted))
        #expect(
            partBytes.status == 200 && partBytes.body.count > 100 && partBytes.body[4..<8] == Array("moof".utf8)[...])
        // Asking far ahead is refused at once.
        #expect(try HTTPTestClient(port: httpPort).get("\(path)?_HLS_msn=\(growing + 10)").status == 400)
    }
}
