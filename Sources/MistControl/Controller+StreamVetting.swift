import Logging
import MistCore
import MistData
import MistStream

/// STREAM_ADD, STREAM_CONFIG and STREAM_REMOVE around the API's stream calls.
extension Controller {
    /// The streams before and after a request's stream calls, and what the stream triggers let
    /// through.
    struct StreamVerdicts: Sendable {
        var before: JSONValue
        var after: JSONValue
        var vetted: JSONValue
    }

    /// The stream triggers' verdicts on what `request` would do to the streams now, asked
    /// without holding the lock (nil when it changes no stream, or deletes sources from disk,
    /// which only the locked pass does).
    func vetStreamsAhead(_ request: JSONValue) -> StreamVerdicts? {
        guard ["streams", "addstream", "deletestream"].contains(where: { request.hasMember($0) }),
            !request.hasMember("deletestreamsource")
        else { return nil }
        let before = stored.withLock { $0.config.storage["streams"] }
        var editor = StreamConfigEditor(logger: Logger(label: "preview") { _ in SwiftLogNoOpLogHandler() })
        var after = before
        editor.apply(request, to: &after)
        guard after != before else { return nil }
        return StreamVerdicts(before: before, after: after, vetted: vetStreamChanges(from: before, to: after))
    }

    /// STREAM_ADD, STREAM_CONFIG and STREAM_REMOVE for each stream an API call adds, changes or
    /// removes; a refused change leaves that stream as it was.
    func vetStreamChanges(from before: JSONValue, to after: JSONValue) -> JSONValue {
        var result = after.isObject ? after : .emptyObject
        let old = before.objectValue ?? JSONObject()
        for (name, configuration) in after.objectValue ?? JSONObject() {
            let previous = old[name]
            let cleaned = Controller.removingRuntimeMembers(configuration)
            if let previous, Controller.removingRuntimeMembers(previous) == cleaned { continue }
            let trigger = previous == nil ? "STREAM_ADD" : "STREAM_CONFIG"
            var shown = cleaned
            shown.removeMember("name")
            let payload = name + "\n" + JSONWriter.compact(shown.sortedKeys())
            guard !Triggers.allow(trigger, stream: name, payload: payload, logger: logger) else { continue }
            logger.mist(.warn, "\(trigger) refused the change of stream \(name)")
            if let previous { result[name] = previous } else { result.removeMember(name) }
        }
        for (name, configuration) in old where !result.hasMember(name) {
            guard !Triggers.allow("STREAM_REMOVE", stream: name, payload: name, logger: logger) else { continue }
            logger.mist(.warn, "STREAM_REMOVE refused the removal of stream \(name)")
            result[name] = configuration
        }
        return result
    }
}
