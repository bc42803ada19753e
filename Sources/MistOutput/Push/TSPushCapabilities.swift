import MistCore
import MistData

/// MistOutTS: pushes a stream as MPEG-TS over UDP (`tsudp://`, unicast or multicast), RTP
/// (`tsrtp://`), TCP (`tstcp://`) or into a command (`ts-exec:`). It does not listen (MistServer's
/// TS connector also serves raw TS on a TCP port; that is not built here), so it is push-only.
public enum TSPushCapabilities {
    public static let declaration: Capabilities = {
        PushOutput.pushCapable(
            Capabilities(
                name: "TS", binary: "MistOutTS", friendlyName: "TS over TCP",
                description: "Pushes MPEG-TS over UDP (tsudp://host:port, unicast or multicast), RTP "
                    + "(tsrtp://host:port), TCP (tstcp://host:port) or into a command's input (ts-exec:command)",
                optional: [.debug],
                extra: [
                    "codecs": [[["HEVC", "H264"], ["AAC", "MP3", "opus"]]],
                    "deps": "",
                    "PUSHONLY": true,
                ]),
            urls: ["tsudp://*", "tsrtp://*", "tstcp://*", "ts-exec:*"])
    }()
}
