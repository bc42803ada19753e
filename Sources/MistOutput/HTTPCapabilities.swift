import MistCore
import MistData

/// MistOutHTTP: the HTTP connection handler on port 8080 that serves the HTTP-based formats.
public enum HTTPCapabilities {
    /// Set by MistUtilCertbot's authentication hook, as MistServer's.
    static let certbot = CapabilityOption(
        "certbot", name: "Certbot validation token",
        help:
            "Automatically set by the MistUtilCertbot authentication hook for certbot. Not intended to be set manually.",
        type: .string, long: "certbot", short: "C", default: "")

    public static let declaration = Capabilities.output(
        name: "HTTP", friendlyName: "HTTP",
        description: "HTTP connection handler, provides all enabled HTTP-based outputs", port: 8080,
        optional: [certbot],
        extra: [
            "provides": "HTTP",
            "protocol": "http://",
            "url_rel": "/$.html",
            "url_match": [
                "/$.ts", "/$.flv", "/$.mp4", "/json_$.js", "/info_$.js", "/hls/$/index.m3u8", "/crossdomain.xml",
                "/$.srt", "/$.vtt", "/$.webvtt",
            ],
            "codecs": [[["H264", "HEVC"], ["AAC", "MP3", "opus"]]],
            "methods": [["handler": "http", "type": "html5/video/mpeg", "hrn": "TS HTTP progressive", "priority": 1]],
        ])
}
