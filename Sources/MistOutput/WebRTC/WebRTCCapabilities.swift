import MistCore
import MistData

/// MistOutWebRTC: WebRTC playback with WHEP signalling (and MistServer's connector name and
/// options). It answers on its own port (18203, MistServer's default for the connector) and,
/// while the connector is enabled, MistOutHTTP answers the same URLs on the HTTP port; each
/// session's media then runs on a UDP port of its own on `interface`.
public enum WebRTCCapabilities {
    public static let declaration = PushOutput.pushCapable(base, urls: ["whip://*", "whips://*"])

    static let base = Capabilities.output(
        name: "WebRTC", friendlyName: "WebRTC",
        description: "WebRTC: playback over WHEP and ingest over WHIP, sub-second latency in browsers",
        port: 18203,
        optional: [
            CapabilityOption(
                "preferredvideocodec", name: "Preferred video codecs",
                help:
                    "Comma separated list of video codecs you want to support in preferred order. e.g. H264,VP8",
                long: "webrtc-video-codecs", short: "V",
                default: .string(WebRTCSettings.defaultVideoCodecs.joined(separator: ","))),
            CapabilityOption(
                "preferredaudiocodec", name: "Preferred audio codecs",
                help:
                    "Comma separated list of audio codecs you want to support in preferred order. e.g. opus,ALAW,ULAW",
                long: "webrtc-audio-codecs", short: "A",
                default: .string(WebRTCSettings.defaultAudioCodecs.joined(separator: ","))),
            CapabilityOption(
                "pubhost", name: "Override external host/ip",
                help:
                    "What host and/or IP addresses to pass on in the SDP (comma-separated). Defaults to the address the signalling request reached.",
                long: "pubhost", short: "H", default: ""),
            CapabilityOption(
                "override_port", name: "Override external port",
                help: "What port to pass on in the SDP (a port mapped through a firewall). Defaults to the bound port.",
                type: .unsignedInteger, long: "override_port", short: "Q", default: 0),
            CapabilityOption(
                "ctrlprefix", name: "Prefix for control URL (DELETE/PATCH requests)",
                help: "Returned in the Location header for controlling WebRTC sessions", long: "ctrlprefix",
                short: "F", default: ""),
            CapabilityOption(
                "nackdisable", name: "Disallow NACKs for viewers",
                help: "Disallows viewers to send NACKs for lost packets", type: nil, long: "nackdisable",
                short: "n", default: 0),
            CapabilityOption(
                "nacktimeout", name: "RTP NACK timeout",
                help: "Amount of packets any track will wait for a packet to arrive before NACKing it",
                type: .unsignedInteger, long: "nacktimeout", short: "x", default: 5),
            CapabilityOption(
                "losttimeout", name: "RTP lost timeout",
                help: "Amount of packets any track will wait for a packet to arrive before considering it lost",
                type: .unsignedInteger, long: "losttimeout", short: "l", default: 30),
            CapabilityOption(
                "nacktimeoutmobile", name: "RTP NACK timeout (mobile)",
                help:
                    "Amount of packets any track will wait for a packet to arrive before NACKing it, on mobile connections",
                type: .unsignedInteger, long: "nacktimeoutmobile", short: "X", default: 15),
            CapabilityOption(
                "losttimeoutmobile", name: "RTP lost timeout (mobile)",
                help:
                    "Amount of packets any track will wait for a packet to arrive before considering it lost, on mobile connections",
                type: .unsignedInteger, long: "losttimeoutmobile", short: "L", default: 90),
            CapabilityOption(
                "maxpktsize", name: "Max RTP packet size",
                help: "Maximum size of RTP packets, before SRTP adds up to 28 bytes", type: .unsignedInteger,
                long: "maxpktsize", short: "M", default: .int(WebRTCSettings.defaultPacketSize), unit: "bytes"),
            CapabilityOption(
                "iceservers", name: "STUN/TURN config",
                help:
                    "An array of RTCIceServer objects (STUN and/or TURN servers), passed verbatim to the player's RTCPeerConnection as its 'iceServers'",
                type: .json, long: "iceservers", short: "z", default: ""),
        ],
        extra: [
            "codecs": [[["H264", "VP8", "VP9", "AV1"], ["opus", "ALAW", "ULAW"]]],
            "deps": "HTTP",
            "provides_dependency": true,
            "url_rel": "/webrtc/$",
            "url_prefix": ["/webrtc/$", "/whip/$", "/whep/$"],
            "methods": [
                [
                    "handler": "ws", "type": "webrtc", "hrn": "WebRTC with WebSocket signalling", "priority": 2,
                    "nobframes": 1,
                ],
                [
                    "handler": "http", "type": "whep", "hrn": "WebRTC with WHEP signalling", "priority": 5,
                    "nobframes": 1,
                ],
            ],
        ])
}
