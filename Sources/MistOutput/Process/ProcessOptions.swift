import Logging
import MistCore
import MistData
import MistShm

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
        CapabilityOption(
            "source_mask", name: "Source track mask",
            help: "What internal processes should have access to the source track(s)", type: .select,
            default: "Keep original value",
            choices: [
                (255, "Everything"), (4, "Processing tasks (not viewers, not pushes)"),
                (6, "Processing and pushing tasks (not viewers)"), (5, "Processing and viewer tasks (not pushes)"),
            ], sort: "c"),
        CapabilityOption(
            "target_mask", name: "Output track mask",
            help: "What internal processes should have access to the output track(s)", type: .select,
            default: "Keep original value",
            choices: [
                (255, "Everything"), (1, "Viewer tasks (not processing, not pushes)"),
                (2, "Pushing tasks (not processing, not viewers)"), (4, "Processing tasks (not pushes, not viewers)"),
                (3, "Viewer and pushing tasks (not processing)"), (5, "Viewer and processing tasks (not pushes)"),
                (6, "Pushing and processing tasks (not viewers)"), (0, "Nothing"),
            ], sort: "d"),
        CapabilityOption(
            "exit_unmask", name: "Undo masks on process exit/fail",
            help: "If/when the process exits or fails, the masks for input tracks will be reset to defaults. "
                + "(NOT to previous value, but to defaults!)", type: .bool, default: false, sort: "e"),
        CapabilityOption(
            "track_inhibit", name: "Track inhibitor(s)",
            help: "What tracks to use as inhibitors. If this track selector is able to select a track, the process "
                + "does not start. Defaults to none.", default: "audio=none&video=none&subtitle=none",
            extra: ["validate": ["track_selector"]]),
        CapabilityOption(
            "tags_inhibit", name: "Tag inhibitor(s)",
            help: "If the stream has any of these tags, the process does not start."),
        .debug,
    ]

    /// Applies the entry's `source_mask` to the tracks the process reads, as MistServer's
    /// processes do when they start.
    static func maskSources(_ config: JSONValue, tracks: [StreamTrack], source: String, logger: Logger) {
        guard let mask = TrackMask.option(config["source_mask"]) else { return }
        for track in tracks {
            do {
                try TrackMask.set(mask, track: track.index, of: source)
                logger.mist(.info, "Masking source track \(track.index) of \(source) to \(mask)")
            } catch {
                logger.mist(.warn, "Cannot mask track \(track.index) of \(source): \(error)")
            }
        }
    }

    /// How often a process's reader looks for the source's next frame (ms): its encoder adds far
    /// more delay than this, and waking less often is most of what a process costs.
    static let pollMilliseconds = 8

    static let configuration = PositionalArgument(
        "config", help: "The process's configuration as JSON, as MistInBuffer gives it")
}
