import MistCore
import MistData
import MistShm

/// The stream tag calls: `tag_stream`, `untag_stream`, `stream_tags` (MistServer's forms).
extension Controller {
    /// Runs inside the configuration lock (`storage` is the configuration); the tags are
    /// published with the rest after the call.
    func editStreamTags(_ request: JSONValue, storage: JSONValue, response: inout JSONValue) {
        guard request.hasMember("tag_stream") || request.hasMember("untag_stream") || request.hasMember("stream_tags")
        else { return }
        let active = Set(StreamCleanup.activeStreams())
        let now = monotonicSeconds()
        let defaults = { (stream: String) in Controller.defaultTags(of: stream, in: storage) }
        streamTags.update(active: active, defaults: defaults, now: now)
        // {stream: tag} or {stream: [tags]}
        for (stream, tags) in request["tag_stream"].objectValue ?? JSONObject() {
            streamTags.tag(
                stream, Controller.tagList(tags), isActive: active.contains(stream), defaults: defaults(stream),
                now: now)
        }
        for (stream, tags) in request["untag_stream"].objectValue ?? JSONObject() {
            streamTags.untag(stream, Controller.tagList(tags))
        }
        if request.hasMember("stream_tags") {
            // A stream name, a list or an object's keys; anything else means every active stream.
            let call = request["stream_tags"]
            let names: [String]
            switch call {
            case .string, .bytes: names = [call.asString]
            case .array(let list): names = list.map(\.asString)
            case .object(let object): names = object.keys
            default: names = active.sorted()
            }
            var reply = JSONValue.emptyObject
            for name in names { reply[name] = .array(streamTags.tags(of: name).sorted().map { .string($0) }) }
            response["stream_tags"] = reply
        }
    }

    /// Brings the tags in line with the active streams (each tick, and before a `#tag` push);
    /// not from inside the configuration lock.
    func syncStreamTags(active: Set<String>, now: Double = monotonicSeconds()) {
        let storage = self.storage
        streamTags.update(active: active, defaults: { Controller.defaultTags(of: $0, in: storage) }, now: now)
    }

    /// A stream's configured tags (`streams.<name>.tags`), which it starts with when active;
    /// a wildcard stream takes its base stream's.
    static func defaultTags(of stream: String, in storage: JSONValue) -> [String] {
        let base = String(stream.prefix { $0 != "+" && $0 != " " })
        return (storage["streams"][base]["tags"].arrayValue ?? []).compactMap(\.stringValue)
    }

    static func tagList(_ value: JSONValue) -> [String] {
        value.arrayValue?.compactMap(\.stringValue) ?? [value.stringValue].compactMap { $0 }
    }
}
