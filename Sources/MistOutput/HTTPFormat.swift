import MistCore
import MistData

/// The formats MistOutHTTP serves on one port. Each also has a binary of its own
/// (`MistOut<Format>`, MistServer's names) whose `-j` capabilities declare it to the controller
/// as depending on HTTP; run alone with `-p` such a binary serves just its format.
public enum HTTPFormat: String, CaseIterable, Sendable {
    case hls = "HLS"
    case ts = "HTTPTS"
    case flv = "FLV"
    case mp4 = "MP4"
    case cmaf = "CMAF"
    case ebml = "EBML"

    /// The capabilities of the format's own binary (the file formats also record pushes).
    public var capabilities: Capabilities {
        switch self {
        case .hls: return PushOutput.pushCapable(formatCapabilities, urls: ["/*.m3u8"])
        case .ts: return PushOutput.pushCapable(formatCapabilities, urls: ["/*.ts"])
        case .flv: return PushOutput.pushCapable(formatCapabilities, urls: ["/*.flv"])
        case .mp4: return PushOutput.pushCapable(formatCapabilities, urls: ["/*.mp4"])
        case .cmaf: return formatCapabilities
        case .ebml: return PushOutput.pushCapable(formatCapabilities, urls: ["/*.mkv", "/*.webm", "mkv-exec:*"])
        }
    }

    private var formatCapabilities: Capabilities {
        switch self {
        case .hls:
            return declaration(
                friendly: "Apple segmented over HTTP (HLS)",
                description: "Segmented streaming in Apple (TS-based) format over HTTP ( = HTTP Live Streaming)",
                extra: [
                    "url_rel": "/hls/$/index.m3u8", "url_prefix": "/hls/$/",
                    "codecs": [[["+HEVC"], ["+H264"], ["+AAC"], ["+MP3"], ["+opus"]]],
                    "methods": [method("HLS (TS)", "html5/application/vnd.apple.mpegurl", 9)],
                ])
        case .ts:
            return declaration(
                friendly: "TS over HTTP", description: "Pseudostreaming in MPEG2/TS format over HTTP",
                extra: [
                    "url_rel": "/$.ts", "url_match": "/$.ts",
                    "codecs": [[["+H264", "+HEVC"], ["+AAC", "+MP3", "+opus"]]],
                    "methods": [method("TS HTTP progressive", "html5/video/mpeg", 1)],
                ])
        case .flv:
            return declaration(
                friendly: "Flash progressive over HTTP (FLV)",
                description: "Pseudostreaming in Adobe Flash FLV format over HTTP",
                extra: [
                    "url_rel": "/$.flv", "url_match": "/$.flv",
                    "codecs": [[["H264", "HEVC", "AV1"], ["AAC", "MP3"]]],
                    "methods": [method("FLV progressive", "flash/7", 5)],
                ])
        case .cmaf:
            let dash = method("DASH", "dash/video/mp4", 8, url: "/cmaf/$/index.mpd")
            let hls = method(
                "HLS (CMAF)", "html5/application/vnd.apple.mpegurl;version=7", 8, url: "/cmaf/$/index.m3u8")
            return declaration(
                friendly: "CMAF (fMP4) over HTTP (DASH, HLS7)",
                description: "Segmented streaming in CMAF (fMP4) format over HTTP",
                extra: [
                    "url_rel": "/cmaf/$/", "url_prefix": "/cmaf/$/",
                    "codecs": [[["+H264"], ["+HEVC"], ["+AAC"], ["+MP3"]]], "methods": [dash, hls],
                ])
        case .ebml:
            let mkv = method("MKV progressive", "html5/video/x-matroska", 2, url: "/$.mkv")
            let webm = method("WebM progressive", "html5/video/webm", 2, url: "/$.webm")
            return declaration(
                friendly: "WebM/MKV over HTTP", description: "Pseudostreaming in MKV and WebM (EBML) formats over HTTP",
                extra: [
                    "url_match": ["/$.mkv", "/$.webm"],
                    "codecs": [[["H264", "HEVC", "VP8", "VP9", "AV1"], ["AAC", "MP3", "opus", "vorbis", "AC3"]]],
                    "methods": [mkv, webm],
                ])
        case .mp4:
            let mp4 = method("MP4 progressive", "html5/video/mp4", 9, url: "/$.mp4")
            // The same URL asked as a WebSocket: MP4 over WebSocket, MistServer's player's
            // preferred live path.
            let ws = method("MP4 WebSocket", "ws/video/mp4", 10, url: "/$.mp4", handler: "ws")
            return declaration(
                friendly: "MP4 over HTTP", description: "Pseudostreaming in MP4 format over HTTP",
                extra: [
                    "url_match": ["/$.mp4"], "codecs": [[["H264", "HEVC"], ["AAC", "MP3", "opus"]]],
                    "methods": [mp4, ws],
                ])
        }
    }

    private func declaration(friendly: String, description: String, extra: JSONObject) -> Capabilities {
        var extra = extra
        extra["deps"] = "HTTP"
        return Capabilities.output(
            name: rawValue, friendlyName: friendly, description: description, port: 8080, extra: extra)
    }

    /// A playback method; `url` when it differs from the format's `url_rel`.
    private func method(
        _ name: String, _ type: String, _ priority: Int64, url: String? = nil, handler: String = "http"
    ) -> JSONValue {
        var method: JSONValue = [
            "handler": .string(handler), "type": .string(type), "hrn": .string(name), "priority": .int(priority),
        ]
        if let url { method["url_rel"] = .string(url) }
        return method
    }
}
