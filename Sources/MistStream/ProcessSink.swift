import MistCore
import MistData

/// The stream a process entry adds its tracks to: its `sink` with the stream variables filled
/// in (`$source`, `$stream` ...), else its `source`.
public enum ProcessSink {
    public static func name(of entry: JSONValue) -> String {
        let source = entry["source"].asString
        let sink = StreamName.sanitize(
            StreamVariables.substitute(entry["sink"].stringValue ?? "", stream: source, source: source))
        return sink.isEmpty ? source : sink
    }
}
