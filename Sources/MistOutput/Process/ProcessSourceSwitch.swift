import Logging
import MistCore
import MistData
import MistStream

/// Where a stream process goes when its source ends while it still feeds another stream: the
/// source's `fallback_stream` (else the server's `defaultStream`), which a blocking
/// PROCESS_SWITCH_SOURCE handler may replace; an empty answer ends the process instead.
enum ProcessSourceSwitch {
    /// The stream to go on with, or nil to end. `time` is the newest media time the process
    /// handed on (ms), `config` its entry.
    static func next(sink: String, current: String, time: UInt64, config: JSONValue, logger: Logger) -> String? {
        var configured = StreamStarter.configuration(of: current)?["fallback_stream"].stringValue ?? ""
        if configured.isEmpty { configured = Triggers.setting("defaultStream").asString }
        let intended = StreamName.sanitize(StreamVariables.substitute(configured, stream: current))
        guard !intended.isEmpty || Triggers.isActive("PROCESS_SWITCH_SOURCE", stream: sink) else { return nil }
        let payload = [sink, current, intended, String(time), JSONWriter.compact(config)].joined(separator: "\n")
        let answer = Triggers.rewrite(
            "PROCESS_SWITCH_SOURCE", stream: sink, payload: payload, current: intended, logger: logger)
        let next = StreamName.sanitize(answer)
        if next.isEmpty || next == current || next == sink {
            logger.mist(.info, "Not switching the process into \(sink) from \(current) to another source")
            return nil
        }
        return next
    }
}
