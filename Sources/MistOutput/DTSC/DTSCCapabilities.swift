import MistCore
import MistData

/// MistOutDTSC: DTSC to other servers (port 4200).
public enum DTSCCapabilities {
    public static let declaration = PushOutput.pushCapable(base, urls: ["dtsc://*", "dtsc:*"])

    static let base = Capabilities.output(
        name: "DTSC", friendlyName: "DTSC",
        description: "Real-time streaming over DTSC, MistServer's protocol for efficient streaming between servers",
        port: 4200,
        extra: [
            "codecs": [[["+*"]]],
            "methods": [["handler": "dtsc", "type": "dtsc", "hrn": "DTSC", "priority": 10]],
            "url_rel": "/$",
            "incoming_push_url": "dtsc://$host:$port/$stream?pass=$password",
            "deps": "",
        ])
}
