import MistCore
import MistData

/// `MistProcFFMPEG -j`: MistServer's FFMPEG process options, so the API and the interfaces build
/// their forms from them. The process takes its whole configuration as one JSON argument.
public enum FFmpegProcessCapabilities {
    public static let declaration = Capabilities(
        name: "FFMPEG", binary: "MistProcFFMPEG", friendlyName: "Encoder: FFMPEG",
        description: "Use a local FFMPEG installed binary to do encoding",
        required: [
            CapabilityOption(
                "x-LSP-kind", name: "Input type", help: "The type of input to use", type: .select,
                default: "video", choices: [("video", "Video"), ("audio", "Audio")], sort: "aaaa"),
            CapabilityOption(
                "codec", name: "Target codec", help: "Which codec to encode to", type: .select, default: "H264",
                choices: [("H264", "H264"), ("VP9", "VP9"), ("AAC", "AAC"), ("MP3", "MP3"), ("opus", "Opus")],
                sort: "aaab"),
        ],
        optional: [
            CapabilityOption(
                "source_track", name: "Input selection",
                help: "Track selector for the track to encode; the first of the input type when automatic",
                default: "automatic", sort: "aaaab"),
            CapabilityOption(
                "resolution", name: "resolution", help: "Resolution of the output stream, e.g. 1920x1080",
                default: "keep source resolution", sort: "aca"),
            CapabilityOption(
                "x-LSP-rate_or_crf", name: "Quality", help: "Target bitrate or constant rate factor", type: .select,
                default: "",
                choices: [("", "automatic"), ("rate", "Target bitrate"), ("crf", "Target constant rate factor")],
                sort: "caa"),
            CapabilityOption(
                "rate", name: "Bitrate", help: "Bitrate of the encoding", type: .unsignedInteger, unit: "bit/s",
                sort: "cba"),
            CapabilityOption(
                "min_rate", name: "Minimum bitrate", help: "Minimum bitrate of the encoding", type: .unsignedInteger,
                unit: "bit/s", sort: "cbb"),
            CapabilityOption(
                "max_rate", name: "Maximum bitrate", help: "Maximum bitrate of the encoding", type: .unsignedInteger,
                unit: "bit/s", sort: "cbc"),
            CapabilityOption(
                "profile", name: "Transcode profile", help: "Limits the output to a specific H.264 profile",
                type: .select, default: "",
                choices: [("", "automatic")] + FFmpegProcess.profiles.map { (.string($0), $0) }, sort: "cca"),
            CapabilityOption(
                "preset", name: "Transcode preset", help: "Preset for encoding speed and compression ratio",
                type: .select, default: "medium", choices: FFmpegProcess.presets.map { (.string($0), $0) },
                sort: "ccb"),
            CapabilityOption(
                "keys", name: "Keyframes", help: "What to do with keyframes", type: .select, default: "",
                choices: [("", "Match input keyframes"), ("frames", "Every X frames"), ("secs", "Every X seconds")],
                sort: "cda"),
            CapabilityOption(
                "keyfrms", name: "Key interval", help: "Key interval in frames", type: .integer, unit: "frames",
                sort: "cdb"),
            CapabilityOption(
                "keysecs", name: "Key interval", help: "Key interval in seconds", type: .string, unit: "seconds",
                sort: "cdb", extra: ["type": "float"]),
            CapabilityOption(
                "flags", name: "Flags",
                help: "Extra flags to add to the end of the transcode command (split on spaces, no shell)",
                sort: "cea"),
            CapabilityOption(
                "crf", name: "crf",
                help: "Video quality, ranging from 0 (best) to 51 (worst); around 25 is a reasonable trade-off",
                type: .integer, sort: "cbb"),
        ] + ProcessOptions.general,
        positional: [ProcessOptions.configuration],
        extra: ["codecs": [[["H264", "HEVC"], ["AAC", "MP3", "opus"]]]])
}
