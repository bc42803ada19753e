import Logging
import MistCore
import MistData
import MistMedia
import MistShm
import MistStream

/// `/json_<stream>.js`: what a player needs to know about a stream, in MistServer's shape:
/// its type, size, tracks (`meta.tracks`) and the sources this server offers for it, best first.
enum StreamInfo {
    /// The info object, or MistServer's `{"error": ...}` when the stream cannot be opened.
    /// `baseURL` carries the scheme the page was asked over, so sources follow it.
    static func json(stream: String, baseURL: String, token: String = "", logger: Logger) -> JSONValue {
        if StreamStarter.controllerIsRunning {
            do {
                try StreamStarter.start(stream, logger: logger)
            } catch {
                return ["error": "Stream is offline"]
            }
        }
        guard let reader = try? StreamReader(stream: stream, waitMilliseconds: 2000) else {
            return ["error": "Stream is offline"]
        }
        let tracks = reader.tracks()
        guard !tracks.isEmpty else { return ["error": "Stream is offline"] }
        var info = JSONValue.emptyObject
        // `ssl`: this build speaks TLS (MistServer's flag for being built with it).
        info["capa"] = ["selver": 2, "ssl": true]
        var meta = JSONValue.emptyObject
        meta[reader.isLive ? "live" : "vod"] = 1
        meta["version"] = 4
        for track in tracks where track.info.type == "video" && info["width"].isNull {
            info["width"] = .int(Int64(track.info.width))
            info["height"] = .int(Int64(track.info.height))
        }
        meta["tracks"] = TrackDescription.tracks(tracks)
        info["meta"] = meta
        info["selver"] = 2
        info["type"] = .string(reader.isLive ? "live" : "vod")
        if info["width"].isNull {
            info["width"] = 0
            info["height"] = 0
        }
        let playable = TrackChoice.defaults(
            tracks, videoCodecs: HLSOutput.videoCodecs, audioCodecs: HLSOutput.audioCodecs)
        let count = Int64([playable.video, playable.audio].compactMap { $0 }.count)
        var sources: [JSONValue] = []
        if count > 0 {
            for (name, type, priority, path) in [
                ("HLS (TS)", "html5/application/vnd.apple.mpegurl", 9, "hls/\(stream)/index.m3u8"),
                ("MP4 progressive", "html5/video/mp4", 9, "\(stream).mp4"),
                ("DASH", "dash/video/mp4", 8, "cmaf/\(stream)/index.mpd"),
                ("HLS (CMAF)", "html5/application/vnd.apple.mpegurl;version=7", 8, "cmaf/\(stream)/index.m3u8"),
                ("FLV progressive", "flash/7", 5, "\(stream).flv"),
                ("TS HTTP progressive", "html5/video/mpeg", 1, "\(stream).ts"),
            ] {
                sources.append([
                    "hrn": .string(name), "priority": .int(Int64(priority)), "relurl": .string(path),
                    "simul_tracks": .int(count), "total_matches": .int(count), "type": .string(type),
                    "url": .string(baseURL + path),
                ])
            }
        }
        // Subtitle tracks, as MistServer's SubRip output offers them (players that show video
        // pass over these types).
        let subtitles = Int64(tracks.filter { $0.info.codec == "subtitle" }.count)
        if subtitles > 0 {
            for (name, type, priority, path) in [
                ("WebVTT subtitle progressive", "html5/text/vtt", 9, "\(stream).webvtt"),
                ("SRT subtitle progressive", "html5/text/plain", 8, "\(stream).srt"),
            ] {
                sources.append([
                    "hrn": .string(name), "priority": .int(Int64(priority)), "relurl": .string(path),
                    "simul_tracks": 1, "total_matches": .int(subtitles), "type": .string(type),
                    "url": .string(baseURL + path),
                ])
            }
        }
        // A player's requests to these sources join its session (`tknMode` bit 4).
        if !token.isEmpty && ViewerSession.writesTokensIntoURLs {
            let suffix = "?tkn=" + TextEscaping.urlQueryValue(token)
            for index in sources.indices {
                sources[index]["url"] = .string(sources[index]["url"].asString + suffix)
                sources[index]["relurl"] = .string(sources[index]["relurl"].asString + suffix)
            }
        }
        info["source"] = .array(sources)
        return info.sortedKeys()
    }
}
