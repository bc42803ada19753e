import MistCore
import MistData

/// MistInDTSC: `.dtsc` files as video on demand, `dtsc://` URLs as live pulls.
public enum DTSCInputCapabilities {
    public static let declaration = Capabilities.input(
        name: "DTSC",
        description:
            "Plays DTSC files as video on demand (keeping a .dtsh header cache beside them), and pulls dtsc:// "
            + "URLs from other MistServer-compatible servers as live streams.",
        optional: [
            CapabilityOption(
                "DVR", name: "Buffer time (ms)",
                help: "For live pulls: how much of the stream stays available for seeking, in milliseconds",
                type: .unsignedInteger, long: "buffer", default: 50000),
            FileInputRunner.timeoutOption,
        ],
        extra: [
            "priority": 9,
            "source_match": ["/*.dtsc", "dtsc://*", "dtsc:*"],
            "always_match": ["dtsc://*"],
            "source_prefill": ["/", "dtsc://"],
            "source_syntax": ["/[path/to/][file_name]", "dtsc://[address][/streamname]"],
            "source_file": "$source",
            "codecs": ["video": ["H264", "HEVC", "AV1", "VP9"], "audio": ["AAC", "MP3", "opus"]],
        ])
}
