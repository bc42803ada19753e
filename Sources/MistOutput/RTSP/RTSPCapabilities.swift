import MistCore
import MistData

/// MistOutRTSP: RTSP ingest on port 5554 (publishers push with ANNOUNCE and RECORD).
public enum RTSPCapabilities {
    public static let declaration = Capabilities.output(
        name: "RTSP", friendlyName: "RTSP",
        description: "Live ingest over RTSP: publishers push H.264 and AAC with ANNOUNCE and RECORD (TCP interleaved)",
        port: 5554,
        extra: [
            "codecs": [[["H264"], ["AAC"]]],
            "incoming_push_url": "rtsp://$host:$port/$stream?pass=$password",
            "deps": "",
        ])
}
