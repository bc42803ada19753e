import MistCore
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// The push and external writer calls.
extension Controller {
    /// push_start, push_list, push_stop, push_settings and the automatic push calls.
    /// Pushes are started by `later` (after the configuration lock is released): PUSH_OUT_START
    /// may wait for a handler that calls the API back.
    func editPushes(
        _ request: JSONValue, storage: inout JSONValue, response: inout JSONValue, errors: inout [String],
        later: inout [@Sendable () -> Void]
    ) {
        if request.hasMember("push_start") {
            let call = request["push_start"]
            let stream = call.isArray ? call[0].asString : call["stream"].asString
            let target = call.isArray ? call[1].asString : call["target"].asString
            if stream.isEmpty || target.isEmpty {
                errors.append("push_start takes [stream, target] or {stream, target}")
            } else if stream.hasSuffix("+") || stream.hasPrefix("#") {
                // Every active stream of a wildcard base, or with a tag.
                let active = StreamCleanup.activeStreams()
                let configuration = storage
                streamTags.update(
                    active: Set(active), defaults: { Controller.defaultTags(of: $0, in: configuration) },
                    now: monotonicSeconds())
                let pushes = self.pushes
                let connectors = discovery.connectors
                for name in active where PushSupervisor.matches(name, stream, tags: streamTags.tags(of: name)) {
                    later.append { _ = pushes.start(stream: name, target: target, connectors: connectors) }
                }
            } else {
                let pushes = self.pushes
                let connectors = discovery.connectors
                let name = StreamName.sanitize(stream)
                later.append { _ = pushes.start(stream: name, target: target, connectors: connectors) }
            }
        }
        // Ids, or stream names: every push of that stream. The graceful form hangs up (SIGHUP):
        // the push sends what it has and tells the remote end before disconnecting.
        for (call, signal) in [("push_stop", SIGTERM), ("push_stop_graceful", SIGHUP)] where request.hasMember(call) {
            let call = request[call]
            for item in call.arrayValue ?? [call] {
                if let id = item.intValue { pushes.stop([id], signal: signal) }
                if let stream = item.stringValue { pushes.stop(pushes.ids(of: stream), signal: signal) }
            }
        }
        if request.hasMember("push_settings") {
            let settings = request["push_settings"]
            for key in ["wait", "maxspeed"] where settings[key].intValue != nil {
                storage["push_settings"][key] = settings[key]
            }
            response["push_settings"] = storage["push_settings"]
        }
        if request.hasMember("push_auto_add") {
            var rules = storage["auto_push"].isObject ? storage["auto_push"] : .emptyObject
            let call = request["push_auto_add"]
            var entries: [(String?, JSONValue)] = []
            if call.isObject && call.hasMember("stream") {
                entries = [(nil, call)]
            } else if call.isArray && call[0].isString {
                entries = [(nil, ["stream": call[0], "target": call[1]])]
            } else if let list = call.arrayValue {
                entries = list.map { (nil, $0.isArray ? ["stream": $0[0], "target": $0[1]] : $0) }
            } else {
                entries = (call.objectValue ?? JSONObject()).map { ($0.key, $0.value) }
            }
            for (givenID, entry) in entries {
                guard entry["stream"].isString, entry["target"].isString else {
                    errors.append("push_auto_add entries need a stream and a target")
                    continue
                }
                var stored = JSONValue.emptyObject
                for key in [
                    "stream", "target", "x-LSP-notes", "scheduletime", "completetime", "start_rule", "end_rule",
                    "inhibit",
                ]
                where entry.hasMember(key) && !(entry[key].intValue == 0 && key.hasSuffix("time")) {
                    stored[key] = entry[key]
                }
                let id = givenID ?? ControllerConfig.md5Hex(JSONWriter.compact(stored.sortedKeys()))
                rules[id] = stored
            }
            storage["auto_push"] = rules
        }
        if request.hasMember("push_auto_remove") {
            // An id; else a stream name (all its rules); or an entry as it was added (the equal
            // rules). Running pushes go on.
            let call = request["push_auto_remove"]
            for item in call.arrayValue ?? [call] {
                let rules = storage["auto_push"].objectValue ?? JSONObject()
                if let name = item.stringValue {
                    if rules[name] != nil {
                        storage["auto_push"].removeMember(name)
                    } else {
                        for (id, rule) in rules where rule["stream"].asString == name {
                            storage["auto_push"].removeMember(id)
                        }
                    }
                    continue
                }
                let entry: JSONValue = item.isArray ? ["stream": item[0], "target": item[1]] : item
                for (id, rule) in rules
                where rule["stream"] == entry["stream"] && rule["target"] == entry["target"] {
                    storage["auto_push"].removeMember(id)
                }
            }
        }
        if request.hasMember("push_auto_add") || request.hasMember("push_auto_remove")
            || request.hasMember("push_auto_list")
        {
            let rules = storage["auto_push"].isObject ? storage["auto_push"] : .emptyObject
            response["auto_push"] = rules
            // The legacy list form beside it: [stream, target] rows, longer only as needed.
            response["push_auto_list"] = .array(
                (rules.objectValue ?? JSONObject()).map { _, rule in
                    var row: [JSONValue] = [rule["stream"], rule["target"]]
                    let times = [rule["scheduletime"], rule["completetime"]]
                    let start = rule["start_rule"].arrayValue ?? []
                    let end = rule["end_rule"].arrayValue ?? []
                    if !end.isEmpty {
                        row += times + (start.isEmpty ? ["", 0, ""] : start) + end
                    } else if !start.isEmpty {
                        row += times + start
                    } else if !rule["completetime"].isNull {
                        row += times
                    } else if !rule["scheduletime"].isNull {
                        row.append(rule["scheduletime"])
                    }
                    return .array(row)
                })
        }
        if request.hasMember("push_list") || request.hasMember("push_stop") {
            // MistServer answers null, not an empty list, when nothing is pushing.
            let list = pushes.list
            response["push_list"] = list.count == 0 ? .null : list
        }
    }

    /// external_writer_add, external_writer_remove and external_writer_list (`extwriters`:
    /// `[name, cmdline, [protocols]]` rows).
    func editExternalWriters(
        _ request: JSONValue, storage: inout JSONValue, response: inout JSONValue, errors: inout [String]
    ) {
        let calls = ["external_writer_add", "external_writer_remove", "external_writer_list"]
        guard calls.contains(where: request.hasMember) else { return }
        var writers = storage["extwriters"].arrayValue ?? []
        if request.hasMember("external_writer_add") {
            let call = request["external_writer_add"]
            let name = (call.isArray ? call[0] : call["name"]).asString
            let command = (call.isArray ? call[1] : call["cmdline"]).asString
            let given = call.isArray ? call[2] : call["protocols"]
            let protocols = given.arrayValue?.compactMap(\.stringValue) ?? [given.stringValue].compactMap { $0 }
            if call.isArray && call.count != 4 {
                errors.append("external_writer_add takes [name, cmdline, protocols, x] or {name, cmdline, protocols}")
            } else if name.isEmpty || command.isEmpty || protocols.isEmpty {
                errors.append("external_writer_add needs a name, a command line and protocols")
            } else {
                let row: JSONValue = [
                    .string(String(name.prefix(31))), .string(String(command.prefix(255))),
                    .array(protocols.map { .string(String($0.prefix(63))) }),
                ]
                if let index = writers.firstIndex(where: { $0[0].asString == row[0].asString }) {
                    writers[index] = row
                } else {
                    writers.append(row)
                }
            }
        }
        if request.hasMember("external_writer_remove") {
            let call = request["external_writer_remove"]
            let name = call.isArray ? call[0].asString : call.isObject ? call["name"].asString : call.asString
            writers.removeAll { $0[0].asString == name }
        }
        storage["extwriters"] = .array(writers)
        response["external_writer_list"] = storage["extwriters"]
    }
}
