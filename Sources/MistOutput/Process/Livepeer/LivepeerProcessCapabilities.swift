import MistCore
import MistData

/// `MistProcLivepeer -j`: MistServer's Livepeer process options, so the API and the interfaces
/// build their forms from them. The process takes its whole configuration as one JSON argument.
public enum LivepeerProcessCapabilities {
    /// One field of a transcoding profile, in MistServer's sublist shape.
    private static func field(_ name: String, _ help: String, type: String, n: Int, extra: JSONObject = [:])
        -> JSONValue
    {
        var field: JSONValue = [
            "name": .string(name), "help": .string(help), "type": .string(type), "n": .int(Int64(n)),
        ]
        for (key, value) in extra { field[key] = value }
        return field
    }

    static let profileFields: JSONObject = [
        "itemLabel": "profile",
        "required": [
            "name": field("Name", "Name for the profile. Must be unique within this transcode.", type: "str", n: 0),
            "bitrate": field(
                "Bitrate", "Target bit rate of the output", type: "int", n: 1,
                extra: ["unit": [["1", "bit/s"], ["1000", "kbit/s"], ["1000000", "Mbit/s"]]]),
        ],
        "optional": [
            "width": field(
                "Width", "Width in pixels of the output. Defaults to match aspect with height, or source width.",
                type: "int", n: 2, extra: ["unit": "px"]),
            "height": field(
                "Height",
                "Height in pixels of the output. Defaults to match aspect with width, or source height. A height "
                    + "alone on a portrait source is taken as the width.", type: "int", n: 3, extra: ["unit": "px"]),
            "fps": field(
                "Framerate", "Framerate of the output. Zero means to match the input (= the default).", type: "int",
                n: 4, extra: ["unit": "frames per second", "default": 0]),
            "gop": field(
                "Keyframe interval / GOP size",
                "Seconds between keyframes; \"0.0\" matches the input (the default), 'intra' sends only keyframes.",
                type: "str", n: 5, extra: ["unit": "seconds", "default": "0.0"]),
            "profile": field(
                "H264 Profile", "Profile to use. Defaults to \"High\".", type: "select", n: 6,
                extra: [
                    "default": "H264High",
                    "select": [
                        ["H264High", "High"], ["H264Baseline", "Baseline"], ["H264Main", "Main"],
                        ["H264ConstrainedHigh", "High, without b-frames"],
                    ],
                ]),
            "track_inhibit": field(
                "Track inhibitor(s)",
                "What tracks to use as inhibitors. If this track selector is able to select a track, the profile "
                    + "is not used. Only verified when the process starts. Defaults to none.", type: "string", n: 7,
                extra: ["validate": ["track_selector"], "default": "audio=none&video=none&subtitle=none"]),
        ],
    ]

    public static let declaration = Capabilities(
        name: "Livepeer", binary: "MistProcLivepeer", friendlyName: "Encoder: Livepeer network encoding",
        description: "Use livepeer to transcode video.",
        required: [
            CapabilityOption(
                "access_token", name: "Access token",
                help: "Your livepeer access token (without one, the profiles go along with each segment)"),
            CapabilityOption(
                "target_profiles", name: "Profiles", help: "Tracks to transcode the source into", type: .sublist,
                sort: "n", extra: profileFields),
        ],
        optional: [
            CapabilityOption(
                "source_track", name: "Video input selection",
                help: "Track selector(s) of the video portion of the source stream. Defaults to highest bit rate "
                    + "video track.", default: "maxbps", sort: "a", extra: ["type": "track_selector_parameter"]),
            CapabilityOption(
                "audio_select", name: "Audio streams",
                help: "Track selector(s) for the audio portion of the source stream. Defaults to 'none' so no audio "
                    + "is passed at all.", default: "none", extra: ["type": "track_selector_parameter"]),
            CapabilityOption(
                "leastlive", name: "Start in the past",
                help: "Start the transcode as far back in the past as possible, instead of at the most-live point "
                    + "of the stream.", type: .bool, default: false),
            CapabilityOption(
                "custom_url", name: "Custom API URL", help: "Alternative API URL path",
                default: .string(LivepeerTranscode.defaultAPI)),
            CapabilityOption(
                "hardcoded_broadcasters", name: "Hardcoded broadcasters",
                help: "Use hardcoded broadcasters, rather than using Livepeer's gateway: a JSON array of addresses, "
                    + "or one address."),
        ] + ProcessOptions.general,
        positional: [ProcessOptions.configuration],
        extra: [
            "codecs": [[["H264"]]],
            "ainfo": [
                "lp_id": ["name": "Livepeer transcode ID"], "switches": ["name": "Broadcaster switches since start"],
                "fail_non200": ["name": "Failures due to non-200 response codes"],
                "fail_timeout": ["name": "Failures due to timeout"],
                "fail_parse": ["name": "Failures due to parse errors in TS response data"],
                "fail_other": ["name": "Failures due to other reasons"], "bc": ["name": "Currently used broadcaster"],
                "sinkTime": ["name": "Sink timestamp"], "sourceTime": ["name": "Source timestamp"],
            ],
        ])
}
