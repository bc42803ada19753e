import Logging
import MistCore
import MistData

/// The stream-list changes of the API (`streams`, `addstream`, `deletestream`) on the stored
/// `streams` object, with MistServer's rules: new names must already be valid, nulls are dropped,
/// every stored stream carries its own `name`.
struct StreamConfigEditor {
    var logger: Logger
    /// Problems to report in the API reply.
    var errors: [String] = []

    /// The stream calls of `request` (`streams`, then `addstream`, then `deletestream`) applied
    /// to `streams`.
    mutating func apply(_ request: JSONValue, to streams: inout JSONValue) {
        if request.hasMember("streams") { replaceAll(with: request["streams"], in: &streams) }
        if request.hasMember("addstream") { add(request["addstream"], to: &streams) }
        if request.hasMember("deletestream") { delete(names: request["deletestream"], from: &streams) }
    }

    init(logger: Logger) {
        self.logger = logger
    }

    /// Adds or replaces each stream of `request` (an object keyed by name).
    mutating func add(_ request: JSONValue, to streams: inout JSONValue) {
        guard case .object(let entries) = request else {
            errors.append("addstream needs an object of stream configurations keyed by stream name")
            return
        }
        for (name, configuration) in entries {
            guard case .object(var fields) = configuration else {
                errors.append("The configuration of stream \(name) is not an object")
                continue
            }
            if !streams.hasMember(name) && !StreamName.isValidConfigured(name) {
                let suggestion = StreamName.sanitize(name)
                let message =
                    "Invalid stream name \(name); suggested alternative: \(suggestion.isEmpty ? "(none)" : suggestion)"
                logger.mist(.error, "\(message)")
                errors.append(message)
                continue
            }
            for (key, value) in fields where value.isNull { _ = fields.removeValue(forKey: key) }
            fields.removeValue(forKey: "online")
            fields.removeValue(forKey: "error")
            fields["name"] = .string(name)
            let updated = JSONValue.object(fields)
            if streams.hasMember(name) {
                if streams[name] != updated {
                    logger.mist(kind: "CONF", "Updated stream \(name)")
                    streams[name] = updated
                }
            } else {
                logger.mist(kind: "CONF", "New stream \(name)")
                streams[name] = updated
            }
        }
    }

    /// Makes the stored list exactly `request`: adds or updates its streams and deletes the rest.
    /// A non-object changes nothing.
    mutating func replaceAll(with request: JSONValue, in streams: inout JSONValue) {
        guard case .object(let entries) = request else { return }
        add(request, to: &streams)
        for (name, _) in streams.objectValue ?? JSONObject() where entries[name] == nil {
            delete(name, from: &streams)
        }
        if !streams.isObject { streams = .emptyObject }
    }

    /// Deletes the streams `request` names: a string, an array of strings or an object's keys.
    mutating func delete(names request: JSONValue, from streams: inout JSONValue) {
        switch request {
        case .string, .bytes: delete(request.asString, from: &streams)
        case .array(let names):
            for name in names {
                guard name.isString else {
                    errors.append("deletestream lists a stream name that is not a string: \(name)")
                    continue
                }
                delete(name.asString, from: &streams)
            }
        case .object(let names):
            for (name, _) in names { delete(name, from: &streams) }
        default:
            errors.append("deletestream needs a stream name, an array of names or an object keyed by name")
        }
    }

    mutating func delete(_ name: String, from streams: inout JSONValue) {
        guard streams.hasMember(name) else { return }
        streams.removeMember(name)
        logger.mist(kind: "CONF", "Deleted stream \(name)")
    }
}
