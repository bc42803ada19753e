import MistCore
import MistData

/// MistInBuffer: the live buffer a push is written into.
public enum BufferCapabilities {
    public static let declaration = Capabilities.input(
        name: "Buffer",
        description:
            "Live buffer for pushed and pulled live streams: keeps a window of recent media in shared memory "
            + "for every output to read, and accepts pushes through push://[host][@password] sources.",
        optional: [
            CapabilityOption(
                "DVR", name: "Buffer time (ms)",
                help: "How much of the live stream stays available for seeking, in milliseconds",
                type: .unsignedInteger,
                long: "buffer", default: 50000),
            CapabilityOption(
                "cut", name: "Cut time (ms)", help: "Media with timestamps before this is dropped from the buffer",
                type: .unsignedInteger, long: "cut", default: 0),
            CapabilityOption(
                "resume", name: "Resume support",
                help: "Keep the buffer after the source disconnects, so a reconnecting source continues the stream",
                type: .select, long: "resume", default: 0, choices: [("0", "Disabled"), ("1", "Enabled")]),
            CapabilityOption(
                "inputtimeout", name: "Input inactivity timeout",
                help: "Seconds the input stays loaded without viewers or source", type: .unsignedInteger,
                long: "inputtimeout", default: 30, unit: "s"),
            CapabilityOption(
                "fallback_stream", name: "Fallback stream",
                help: "Another stream viewers get while this one has no source (variables such as $stream work)",
                type: .string, default: ""),
        ],
        extra: [
            "priority": 9,
            "non-provider": true,
            "source_match": ["push://*", "buffer:*"],
            "source_prefill": "push://",
            "source_syntax": "push://[host][@password]",
            "source_name": "Receiving a push",
        ])
}
