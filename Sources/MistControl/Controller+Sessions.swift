import MistData
import MistShm

/// The session and statistics calls: `clients`, `totals`, `stats_streams`, `tag_sessid`,
/// `stop_tag`, `invalidate_sessions`, `stop_sessid`, `stop_sessions`.
extension Controller {
    func editSessions(_ request: JSONValue, response: inout JSONValue) {
        if request.hasMember("clients") {
            let call = request["clients"]
            response["clients"] =
                call.isArray ? .array((call.arrayValue ?? []).map(statistics.clients)) : statistics.clients(call)
        }
        if request.hasMember("totals") {
            let call = request["totals"]
            response["totals"] =
                call.isArray ? .array((call.arrayValue ?? []).map(statistics.totals)) : statistics.totals(call)
        }
        if request.hasMember("stats_streams") {
            // An array of fields (`clients`, `lastms`) asks for them per stream; anything else
            // for the names.
            if let fields = request["stats_streams"].arrayValue?.compactMap(\.stringValue), !fields.isEmpty {
                var table = JSONValue.emptyObject
                for stream in statistics.streamNames {
                    let viewers = statistics.summary(of: stream)["viewers"] ?? 0
                    let lastms =
                        (try? StreamReader(stream: stream, waitMilliseconds: 0))
                        .map { reader in Int64(clamping: reader.tracks().map(\.lastMs).max() ?? 0) } ?? -1
                    table[stream] = .array(
                        fields.map { $0 == "clients" ? .int(viewers) : $0 == "lastms" ? .int(lastms) : .null })
                }
                response["stats_streams"] = table
            } else {
                response["stats_streams"] = .array(statistics.streamNames.map { .string($0) })
            }
        }
        if request.hasMember("tag_sessid") {
            // {sessid: tag} or {sessid: [tags]}
            for (session, tags) in request["tag_sessid"].objectValue ?? JSONObject() {
                statistics.tag(session: session, with: tags.arrayValue?.compactMap(\.stringValue) ?? [tags.asString])
            }
        }
        if request.hasMember("stop_tag") {
            let call = request["stop_tag"]
            for tag in call.arrayValue?.compactMap(\.stringValue) ?? [call.stringValue].compactMap({ $0 }) {
                statistics.stop(sessions: statistics.sessions(tagged: tag))
            }
        }
        if request.hasMember("invalidate_sessions") {
            // Every process forgets its USER_NEW answers, so sessions are checked again (the
            // count is published after the call, outside the configuration lock).
            invalidations.add(1, ordering: .relaxed)
        }
        if request.hasMember("stop_sessid") {
            let call = request["stop_sessid"]
            statistics.stop(
                sessions: call.arrayValue?.compactMap(\.stringValue) ?? [call.stringValue].compactMap { $0 })
        }
        if request.hasMember("stop_sessions") {
            // A stream name; {stream: protocol} for that stream's sessions over one connector;
            // an array of protocol names (MistServer reads the entries so), any stream.
            let call = request["stop_sessions"]
            if let stream = call.stringValue {
                statistics.stop(sessions: statistics.sessions(of: stream))
            } else if let pairs = call.objectValue {
                for (stream, connector) in pairs {
                    statistics.stop(sessions: statistics.sessions(of: stream, connector: connector.stringValue))
                }
            } else {
                for connector in call.arrayValue?.compactMap(\.stringValue) ?? [] {
                    statistics.stop(sessions: statistics.sessions(of: "", connector: connector))
                }
            }
        }
    }
}
