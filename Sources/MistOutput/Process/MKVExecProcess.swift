import Logging
import MistCore
import MistData
import MistStream

/// `MistProcMKVExec`: the selected tracks of the source (`track_select`, video and audio by
/// default) go as Matroska into any command's stdin (`exec`, split on spaces, no shell, with
/// stream variables such as `$stream`), and the Matroska it writes on stdout comes back as new
/// tracks of the sink stream. A command must keep the times it is given (ffmpeg: `-copyts`).
enum MKVExecProcess {
    /// The `video=`/`audio=` selectors of a `track_select` value (MistServer's form,
    /// `audio=all&video=all`): `all` picks the first track of the type, as a viewer's default.
    static func query(_ trackSelect: String?) -> [String: String] {
        var query: [String: String] = [:]
        for (name, value) in URLQuery.parse(Array((trackSelect ?? "").utf8)) where name == "video" || name == "audio" {
            if value != "all" && value != "*" { query[name] = value }
        }
        return query
    }

    static func run(_ config: JSONValue, logger: Logger, stop: @escaping @Sendable () -> Bool) -> Int32 {
        let source = config["source"].asString
        let command = StreamVariables.substitute(config["exec"].asString, stream: source)
        let words = command.split(separator: " ").map(String.init)
        guard !source.isEmpty, let program = words.first else {
            logger.mist(.fail, "MistProcMKVExec needs a source stream and an exec command line")
            return 1
        }
        let pipe = ProcessPipe(
            kind: "MKVExec", config: config, query: query(config["track_select"].stringValue), program: program,
            arguments: Array(words.dropFirst()), container: .matroska, logger: logger)
        return pipe.exitStatus(stop: stop)
    }
}
