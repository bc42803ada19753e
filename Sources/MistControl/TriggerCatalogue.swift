import MistData

/// `capabilities.triggers`: each trigger this server fires, when, what its payload holds and
/// what its answer does, in MistServer's shape (the web UI builds its trigger editor from it).
enum TriggerCatalogue {
    struct Entry {
        var name: String
        var when: String
        var streamSpecific: Bool
        var payload: [String]
        var response: String
        var action: String
        var argument: String? = nil
    }

    static let connection = ["stream name", "connection address", "connector", "request URL"]
    /// What RECORDING_END and OUTPUT_END say about a finished push.
    static let ending = [
        "stream name", "target", "connector", "bytes written", "seconds", "unix start time", "unix end time",
        "milliseconds of media", "first media millisecond", "last media millisecond", "reason code", "reason",
    ]

    static let entries: [Entry] = [
        Entry(
            name: "SYSTEM_START", when: "The server has started and published its configuration", streamSpecific: false,
            payload: ["server version"], response: "always", action: "false stops the server"),
        Entry(
            name: "SYSTEM_STOP", when: "The server is about to shut down", streamSpecific: false,
            payload: ["reason"], response: "always", action: "false keeps the server running"),
        Entry(
            name: "OUTPUT_START", when: "A protocol's process was started", streamSpecific: false,
            payload: ["protocol configuration (JSON)"], response: "ignored", action: "none"),
        Entry(
            name: "OUTPUT_STOP", when: "A protocol's process is stopped because its configuration changed",
            streamSpecific: false,
            payload: ["protocol configuration (JSON)"], response: "ignored", action: "none"),
        Entry(
            name: "STREAM_ADD", when: "Before a stream is added through the API", streamSpecific: true,
            payload: ["stream name", "stream configuration (JSON)"], response: "always", action: "false: not added"),
        Entry(
            name: "STREAM_CONFIG", when: "Before a stream's configuration is changed through the API",
            streamSpecific: true,
            payload: ["stream name", "new configuration (JSON)"], response: "always", action: "false: not changed"),
        Entry(
            name: "STREAM_REMOVE", when: "Before a stream is removed through the API", streamSpecific: true,
            payload: ["stream name"], response: "always", action: "false: not removed"),
        Entry(
            name: "STREAM_SOURCE", when: "Before a stream's input starts, to choose its source", streamSpecific: true,
            payload: ["stream name"], response: "when-blocking", action: "a non-empty answer is the source to use"),
        Entry(
            name: "STREAM_LOAD", when: "Before a stream's input is started", streamSpecific: true,
            payload: ["stream name"], response: "always", action: "false: the input is not started"),
        Entry(
            name: "STREAM_READY", when: "A stream's input has loaded and the stream is ready", streamSpecific: true,
            payload: ["stream name", "input type"], response: "always", action: "false: the input shuts down"),
        Entry(
            name: "STREAM_UNLOAD", when: "A stream's input is about to shut down", streamSpecific: true,
            payload: ["stream name", "input type", "cancelable or uncancelable, followed by the reason"],
            response: "always", action: "false keeps a cancelable input loaded"),
        Entry(
            name: "LIVE_TRACK_LIST", when: "The tracks of a live stream changed", streamSpecific: true,
            payload: ["stream name", "tracks (JSON, as meta.tracks of stream info)"], response: "ignored",
            action: "none"),
        Entry(
            name: "LIVEPEER_SEGMENT_REJECTED",
            when: "A Livepeer process had a segment refused (422) by two broadcasters in a row, or by the only one",
            streamSpecific: true,
            payload: [
                "process configuration (JSON)", "the segment (base64)", "its width, height and duration (JSON)",
                "first broadcaster URL", "second broadcaster URL, or N/A",
            ], response: "ignored", action: "none"),
        Entry(
            name: "PROCESS_SWITCH_SOURCE",
            when: "The source of a stream process that feeds another stream ended, and the process may go on from "
                + "another (its fallback_stream)", streamSpecific: true,
            payload: [
                "sink stream", "current source stream", "intended new source (may be empty)",
                "the process's newest media time (ms)", "process configuration (JSON)",
            ], response: "when-blocking", action: "the answer is the new source; empty ends the process"),
        Entry(
            name: "STREAM_PUSH", when: "An incoming push is about to be accepted", streamSpecific: true,
            payload: ["stream name", "pusher address", "connector", "request URL"], response: "always",
            action: "false refuses the push"),
        Entry(
            name: "RTMP_PUSH_REWRITE", when: "An RTMP publish arrives", streamSpecific: false,
            payload: ["full RTMP URL", "pusher address"], response: "when-blocking",
            action: "the answer is the URL to use; empty refuses the push"),
        Entry(
            name: "PUSH_REWRITE", when: "An incoming push arrives", streamSpecific: false,
            payload: ["push URL", "pusher address", "stream name"], response: "when-blocking",
            action: "the answer is the stream name to use; empty refuses the push"),
        Entry(
            name: "PLAY_REWRITE", when: "A viewer asks for a stream", streamSpecific: true, payload: connection,
            response: "always", action: "the answer is the stream to play; empty refuses"),
        Entry(
            name: "CONN_OPEN", when: "A viewer's connection is opened", streamSpecific: true, payload: connection,
            response: "always", action: "false closes the connection"),
        Entry(
            name: "CONN_PLAY", when: "Playback is about to begin", streamSpecific: true, payload: connection,
            response: "always", action: "false refuses playback"),
        Entry(
            name: "CONN_CLOSE", when: "A viewer's connection ended", streamSpecific: true, payload: connection,
            response: "ignored", action: "none"),
        Entry(
            name: "USER_NEW", when: "A new viewer session starts", streamSpecific: true,
            payload: ["stream name", "viewer address", "token", "connector", "request URL", "session id", "false"],
            response: "always", action: "false refuses the session for 600 s"),
        Entry(
            name: "CONN_STOP", when: "A viewer's stream ended while it was playing", streamSpecific: true,
            payload: ["stream name", "viewer address", "connector"], response: "ignored", action: "none"),
        Entry(
            name: "USER_END", when: "A viewer session ended (when the access log gets its line)",
            streamSpecific: true,
            payload: [
                "token", "streams", "connectors", "viewer addresses", "seconds", "bytes sent", "bytes received",
                "tags", "seconds per address", "seconds per connector", "seconds per stream", "session id",
            ], response: "ignored", action: "none"),
        Entry(
            name: "STREAM_END", when: "A stream had no sessions for 15 s after being active", streamSpecific: true,
            payload: [
                "stream name", "bytes received", "bytes sent", "viewer sessions", "input sessions", "output sessions",
                "viewer seconds",
            ], response: "ignored", action: "none"),
        Entry(
            name: "STREAM_BUFFER", when: "A live buffer became playable, empty, dry or recovered", streamSpecific: true,
            payload: [
                "stream name", "FULL, EMPTY, DRY or RECOVER", "buffer health (JSON; the last millisecond at the end)",
            ],
            response: "ignored", action: "none"),
        Entry(
            name: "LIVE_BANDWIDTH", when: "A live stream's keyframe arrives and its bitrate is over the limit",
            streamSpecific: true, payload: ["stream name", "bytes per second"], response: "always",
            action: "false shuts the input down", argument: "bytes per second above which the trigger fires (integer)"),
        Entry(
            name: "INPUT_ABORT", when: "An input exits because it cannot go on", streamSpecific: true,
            payload: ["stream name", "source", "input binary", "process id", "reason code", "reason"],
            response: "ignored", action: "none"),
        Entry(
            name: "PUSH_OUT_START", when: "Before a push or recording starts", streamSpecific: true,
            payload: ["stream name", "target"], response: "when-blocking",
            action: "the answer is the target to use; empty refuses the push"),
        Entry(
            name: "PUSH_END", when: "A push or recording stopped, for any reason", streamSpecific: true,
            payload: [
                "push id", "stream name", "target as configured", "target as used", "last log messages (JSON)",
                "last status (JSON)",
            ], response: "ignored", action: "none"),
        Entry(
            name: "RECORDING_END", when: "A recording to a file finished", streamSpecific: true,
            payload: Self.ending, response: "ignored", action: "none"),
        Entry(
            name: "OUTPUT_END", when: "A push or recording process finished", streamSpecific: true,
            payload: Self.ending, response: "ignored", action: "none"),
        Entry(
            name: "DEFAULT_STREAM", when: "A viewer asks for a stream that cannot be opened", streamSpecific: true,
            payload: ["default stream setting", "requested stream", "viewer address", "connector", "request URL"],
            response: "always", action: "the answer is a stream to play instead"),
    ]

    static var json: JSONValue {
        var object = JSONValue.emptyObject
        for entry in entries {
            var value: JSONValue = [
                "when": .string(entry.when), "stream_specific": .bool(entry.streamSpecific),
                "payload": .string(entry.payload.joined(separator: "\n")), "response": .string(entry.response),
                "response_action": .string(entry.action),
            ]
            if let argument = entry.argument { value["argument"] = .string(argument) }
            object[entry.name] = value
        }
        return object
    }
}
