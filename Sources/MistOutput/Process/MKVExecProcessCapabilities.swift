import MistCore
import MistData

/// `MistProcMKVExec -j`: MistServer's MKVExec process options. The process takes its whole
/// configuration as one JSON argument.
public enum MKVExecProcessCapabilities {
    public static let declaration = Capabilities(
        name: "MKVExec", binary: "MistProcMKVExec", friendlyName: "Execute: MKV",
        description: "Pipes a stream as Matroska through a command and adds the Matroska it writes back as tracks",
        required: [
            CapabilityOption(
                "exec", name: "Executable",
                help: "Command line to run (split on spaces, no shell): reads Matroska on stdin, writes Matroska "
                    + "on stdout, keeping the times it is given")
        ],
        optional: [
            CapabilityOption(
                "track_select", name: "Source selector(s)",
                help: "What tracks to select for the input. Defaults to audio=all&video=all.",
                default: "audio=all&video=all", sort: "a"),
            CapabilityOption(
                "sink", name: "Target stream",
                help: "What stream the encoded track should be added to. Defaults to source stream.", sort: "b"),
            CapabilityOption(
                "inconsequential", name: "Inconsequential process",
                help: "The stream counts as fully active without this process", type: .bool, default: false),
            CapabilityOption(
                "restart_type", name: "Restart behaviour", help: "What to do when the process exits",
                type: .select, default: "fixed",
                choices: [("fixed", "Fixed delay"), ("backoff", "Exponential backoff"), ("disabled", "Disabled")]),
            CapabilityOption(
                "restart_delay", name: "Restart delay", help: "Milliseconds between restarts (the longest for backoff)",
                type: .unsignedInteger, default: 0, unit: "ms"),
            .debug,
        ],
        positional: [
            PositionalArgument("config", help: "The process's configuration as JSON, as MistInBuffer gives it")
        ])
}
