import MistCore
import MistData

/// MistOutRTMP: RTMP ingest and playback.
public enum RTMPCapabilities {
    public static let declaration = PushOutput.pushCapable(base, urls: ["rtmp://*", "rtmps://*"])

    static let base = Capabilities.output(
        name: "RTMP", friendlyName: "RTMP",
        description: "Live ingest and playback over RTMP (Adobe's Real Time Messaging Protocol)",
        port: 1935,
        optional: [
            CapabilityOption(
                "acceptable", name: "Acceptable connection types",
                help: "Accept incoming pushes only (2), playback only (1), or both (0)", type: .select,
                long: "acceptable", short: "T", default: 0,
                choices: [
                    (0, "Allow both incoming and outgoing connections"), (1, "Allow only outgoing connections"),
                    (2, "Allow only incoming connections"),
                ], sort: "aaa"),
            CapabilityOption(
                "maxkbps", name: "Max. kbps",
                help: "Bit rate limit for incoming pushes in kilobits per second; 0 for no limit",
                type: .unsignedInteger,
                long: "maxkbps", short: "K", default: 0),
            TLSOptions.certificate, TLSOptions.key,
        ],
        extra: [
            "codecs": [
                [
                    ["H264", "H263", "VP6", "VP6Alpha", "ScreenVideo2", "ScreenVideo1", "JPEG"],
                    ["AAC", "MP3", "Speex", "Nellymoser", "PCM", "ADPCM", "ALAW", "ULAW"], ["JSON"],
                ],
                [
                    [
                        "H264", "H263", "VP6", "VP6Alpha", "ScreenVideo2", "ScreenVideo1", "JPEG", "AV1", "HEVC", "VP8",
                        "VP9",
                    ],
                    [
                        "AAC", "MP3", "Speex", "Nellymoser", "PCM", "ADPCM", "ALAW", "ULAW", "opus", "AC3", "EAC-3",
                        "FLAC",
                    ],
                    ["JSON"],
                ],
            ],
            "methods": [
                ["handler": "rtmp", "type": "flash/10", "hrn": "RTMP", "priority": 7, "player_url": "/flashplayer.swf"]
            ],
            "url_rel": "/play/$",
            "incoming_push_url": "rtmp://$host:$port/$password/$stream",
            "deps": "",
        ])
}
