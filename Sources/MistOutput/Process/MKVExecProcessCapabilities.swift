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
                default: "audio=all&video=all", sort: "a")
        ] + ProcessOptions.general,
        positional: [ProcessOptions.configuration])
}
