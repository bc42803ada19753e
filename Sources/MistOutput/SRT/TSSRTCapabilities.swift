import MistCore
import MistData

/// MistOutTSSRT: MPEG-TS over SRT on UDP port 8889, pushes in and playback out; pushes to
/// `srt://` targets.
public enum TSSRTCapabilities {
    public static let declaration = PushOutput.pushCapable(base, urls: ["srt://*"])

    static let base: Capabilities = {
        var capabilities = Capabilities.output(
            name: "TSSRT", friendlyName: "TS over SRT",
            description: "Real time streaming of TS data over SRT (libsrt): callers push to, or play from, "
                + "srt://host:port?streamid=<stream>",
            port: 8889,
            optional: [
                CapabilityOption(
                    "streamname", name: "Stream",
                    help: "What streamname to serve if no streamid is given by the other end of the connection",
                    type: .string, long: "stream", short: "s", default: ""),
                CapabilityOption(
                    "acceptable", name: "Acceptable connection types",
                    help: "Whether to allow only incoming pushes (2), only outgoing pulls (1), or both (0, default)",
                    type: .select, long: "acceptable", short: "T", default: 0,
                    choices: [
                        (0, "Allow both incoming and outgoing connections"), (1, "Allow only outgoing connections"),
                        (2, "Allow only incoming connections"),
                    ]),
                CapabilityOption(
                    "passphrase", name: "Passphrase", help: "If set, requires a SRT passphrase to connect",
                    type: .string, long: "passphrase", short: "P", default: "",
                    extra: ["minlength": 10, "maxlength": 79]),
                CapabilityOption(
                    "nostreamid", name: "Disable streamid", help: "Disable reading of the streamid field", type: .bool,
                    long: "nostreamid", short: "I"),
                CapabilityOption(
                    "sockopts", name: "SRT socket options", help: "Any additional SRT socket options to apply",
                    type: .string, long: "sockopts", short: "O", default: ""),
            ],
            extra: [
                "codecs": [[["HEVC", "H264"], ["AAC", "MP3", "opus"]]],
                "methods": [["handler": "srt", "type": "srt", "hrn": "SRT", "priority": 10]],
                "incoming_push_url": "srt://$host:$port?streamid=$stream",
                "url_rel": "?streamid=$",
                "deps": "",
                "push_parameters": pushParameters,
            ])
        // A UDP port, not TCP.
        if let index = capabilities.optional.firstIndex(where: { $0.key == "port" }) {
            capabilities.optional[index].name = "UDP port"
            capabilities.optional[index].help = "UDP port to listen on"
        }
        return capabilities
    }()

    /// The options an `srt://` push target takes as URL parameters (MistServer's commonly used ones).
    static let pushParameters: JSONValue = [
        "srtopts_main": [
            "name": "Commonly used SRT options", "help": "Control the SRT connection", "type": "group", "sort": "aaa",
            "expand": true,
            "options": [
                "latency": [
                    "name": "Latency", "help": "Socket latency, in milliseconds.", "type": "int", "default": 120,
                    "unit": "ms",
                ],
                "streamid": [
                    "name": "Stream ID", "help": "Stream ID to transmit to the other side.", "type": "str",
                    "default": "",
                ],
                "passphrase": [
                    "name": "Encryption passphrase", "help": "Enables encryption with the given passphrase.",
                    "type": "str", "default": "", "minlength": 10, "maxlength": 79,
                ],
            ],
        ],
        "srtopts": [
            "name": "More SRT options", "help": "Control the SRT connection", "type": "group", "sort": "ab",
            "options": [
                "mode": [
                    "name": "Mode",
                    "help":
                        "The connection mode: listener, caller or rendezvous. A listener if the URL has no host, a caller otherwise.",
                    "type": "select",
                    "select": [["", "Default"], ["listener", "Listener"], ["caller", "Caller"]],
                ],
                "pbkeylen": [
                    "name": "Encryption key length", "help": "The encryption key length. Default: auto.",
                    "type": "select",
                    "select": [["", "Default (auto)"], ["16", "AES-128"], ["24", "AES-192"], ["32", "AES-256"]],
                ],
                "maxbw": [
                    "name": "Maximum send bandwidth",
                    "help": "Maximum send bandwidth, -1 for infinite, 0 for relative to input bandwidth.",
                    "type": "int", "default": -1, "unit": "bytes/s",
                ],
                "conntimeo": [
                    "name": "Connect timeout", "help": "Milliseconds to wait before a connection attempt times out.",
                    "type": "int", "default": 3000, "unit": "ms",
                ],
                "peeridletimeo": [
                    "name": "Peer Idle Timeout",
                    "help": "Milliseconds without an answer from the peer before the connection is broken.",
                    "type": "int", "default": 5000, "unit": "ms",
                ],
            ],
        ],
    ]
}
