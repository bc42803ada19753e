import MistCore
import MistData

/// MistOutRTSP on port 5554: publishers push with ANNOUNCE and RECORD, players use DESCRIBE,
/// SETUP and PLAY, RTP over TCP interleaving or UDP either way.
public enum RTSPCapabilities {
    public static let declaration = Capabilities.output(
        name: "RTSP", friendlyName: "RTSP",
        description:
            "Live RTSP: push with ANNOUNCE and RECORD, play with DESCRIBE, SETUP and PLAY; RTP over TCP interleaving or UDP",
        port: 5554,
        extra: [
            "codecs": [[["H264", "HEVC", "VP8", "VP9"], ["AAC", "opus", "ALAW", "ULAW"]]],
            "incoming_push_url": "rtsp://$host:$port/$stream?pass=$password",
            "deps": "",
        ])
}
