import MistCore
import MistData

/// What every stream process (`MistProc*`) declares besides its own options: MistServer's
/// general process options, and the one JSON argument MistInBuffer gives it.
enum ProcessOptions {
    static let general: [CapabilityOption] = [
        CapabilityOption(
            "sink", name: "Target stream",
            help: "What stream the encoded track should be added to. Defaults to source stream.", sort: "b"),
        CapabilityOption(
            "inconsequential", name: "Inconsequential process",
            help: "The stream counts as fully active without this process", type: .bool, default: false),
        CapabilityOption(
            "restart_type", name: "Restart behaviour", help: "What to do when the process exits", type: .select,
            default: "fixed",
            choices: [("fixed", "Fixed delay"), ("backoff", "Exponential backoff"), ("disabled", "Disabled")]),
        CapabilityOption(
            "restart_delay", name: "Restart delay", help: "Milliseconds between restarts (the longest for backoff)",
            type: .unsignedInteger, default: 0, unit: "ms"),
        .debug,
    ]

    static let configuration = PositionalArgument(
        "config", help: "The process's configuration as JSON, as MistInBuffer gives it")
}
