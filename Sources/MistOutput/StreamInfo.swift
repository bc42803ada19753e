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
        var sources = Self.sources(stream: stream, tracks: tracks, baseURL: baseURL, live: reader.isLive)
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

    /// The codecs each source type plays (the sets its serving code opens streams with), for
    /// counting a stream's tracks it can carry.
    static let playable: [String: (video: Set<String>, audio: Set<String>)] = [
        "html5/application/vnd.apple.mpegurl": (HLSOutput.videoCodecs, HLSOutput.audioCodecs),
        "html5/video/mp4": (MEWSSession.videoCodecs, MEWSSession.audioCodecs),
        "ws/video/mp4": (MEWSSession.videoCodecs, MEWSSession.audioCodecs),
        "dash/video/mp4": (CMAFOutput.videoCodecs, CMAFOutput.audioCodecs),
        "html5/application/vnd.apple.mpegurl;version=7": (CMAFOutput.videoCodecs, CMAFOutput.audioCodecs),
        "flash/7": (FLVPlayback.videoCodecs, FLVPlayback.audioCodecs),
        "html5/video/mpeg": (["H264", "HEVC"], ["AAC", "MP3", "opus"]),
        "html5/video/x-matroska": MatroskaLiveMuxer.codecs(webm: false),
        "html5/video/webm": MatroskaLiveMuxer.codecs(webm: true),
        "whep": (Set(WebRTCSettings.defaultVideoCodecs), Set(WebRTCSettings.defaultAudioCodecs)),
        "webrtc": (Set(WebRTCSettings.defaultVideoCodecs), Set(WebRTCSettings.defaultAudioCodecs)),
    ]

    /// The sources of the HTTP formats whose connectors are enabled, each method a format's
    /// capabilities declare, in MistServer's order: most tracks, then priority, then URL. A
    /// source of no track it can carry is left out. All formats count as enabled when the
    /// protocols name none of them (HTTP alone serves every format) or when no controller
    /// publishes its protocols (a binary run by hand).
    /// WebRTC (WHEP on the HTTP port) is listed for live streams while its connector is enabled.
    static func sources(stream: String, tracks: [StreamTrack], baseURL: String, live: Bool = true) -> [JSONValue] {
        var enabled = Set(HTTPFormat.allCases)
        var webRTC = false
        var iceServers: [JSONValue] = []
        if let protocols = ConfigPage.read(StreamPageNames.protocols)?.arrayValue {
            let named = Set(protocols.compactMap { HTTPFormat(rawValue: $0["connector"].asString) })
            if !named.isEmpty { enabled = named }
            if live, let entry = protocols.first(where: { $0["connector"].asString == "WebRTC" }) {
                webRTC = true
                iceServers = WebRTCSettings(entry: entry).iceServers
            }
        }
        var sources: [JSONValue] = []
        let declarations =
            HTTPFormat.allCases.filter { enabled.contains($0) }.map(\.capabilities.extra)
            + (webRTC ? [WebRTCCapabilities.declaration.extra] : [])
        for declared in declarations {
            for method in declared["methods"]?.arrayValue ?? [] {
                let type = method["type"].asString
                guard let codecs = playable[type] else { continue }
                let (video, audio) = TrackChoice.defaults(tracks, videoCodecs: codecs.video, audioCodecs: codecs.audio)
                let count = Int64([video, audio].compactMap { $0 }.count)
                guard count > 0 else { continue }
                let rule = method["url_rel"].isNull ? declared["url_rel"]?.asString ?? "" : method["url_rel"].asString
                let path = String(rule.dropFirst().replacing("$", with: stream))
                var base = baseURL
                if method["handler"].asString == "ws" {
                    base = base.hasPrefix("https://") ? "wss://" + base.dropFirst(8) : "ws://" + base.dropFirst(7)
                }
                var source: JSONValue = [
                    "hrn": method["hrn"], "priority": method["priority"], "relurl": .string(path),
                    "simul_tracks": .int(count), "total_matches": .int(count), "type": .string(type),
                    "url": .string(base + path),
                ]
                // As MistServer's: the WebRTC connector's ICE servers, for the player's RTCPeerConnection.
                if !iceServers.isEmpty && (type == "whep" || type == "webrtc") {
                    source["RTCIceServers"] = .array(iceServers)
                }
                sources.append(source)
            }
        }
        return sources.enumerated().sorted { left, right in
            let (a, b) = (left.element, right.element)
            if a["simul_tracks"].asInt != b["simul_tracks"].asInt {
                return a["simul_tracks"].asInt > b["simul_tracks"].asInt
            }
            if a["priority"].asInt != b["priority"].asInt { return a["priority"].asInt > b["priority"].asInt }
            return a["url"].asString < b["url"].asString
        }.map(\.element)
    }
}
