import Logging
import MistData

/// The protocol-list changes of the API (`addprotocol`, `deleteprotocol`, `updateprotocol`) on
/// `config.protocols`. Entries compare by value, ignoring their runtime `online` member.
struct ProtocolListEditor {
    var errors: [String] = []
    /// Entries "updated" to themselves: MistUtilCertbot's way to say that certificate files
    /// changed in place (a renewal), so their connectors reload them.
    var reloads: [JSONValue] = []

    mutating func add(_ request: JSONValue, to protocols: inout JSONValue) {
        switch request {
        case .object: protocols.append(request)
        case .array(let entries):
            for entry in entries {
                guard entry.isObject else {
                    errors.append("addprotocol lists an entry that is not an object: \(entry)")
                    continue
                }
                protocols.append(entry)
            }
        default: errors.append("addprotocol needs a protocol object or an array of them")
        }
        ProtocolListEditor.removeDuplicates(&protocols)
    }

    mutating func delete(_ request: JSONValue, from protocols: inout JSONValue) {
        let victims: [JSONValue]
        switch request {
        case .object: victims = [request]
        case .array(let entries): victims = entries
        default:
            errors.append("deleteprotocol needs a protocol object or an array of them")
            return
        }
        let remaining = (protocols.arrayValue ?? []).filter { entry in
            !victims.contains { ProtocolListEditor.same(entry, $0) }
        }
        protocols = .array(remaining)
    }

    /// `[old, new]`: every entry equal to `old` becomes `new`.
    mutating func update(_ request: JSONValue, in protocols: inout JSONValue) {
        guard case .array(let pair) = request, pair.count == 2, pair[1].isObject else {
            errors.append("updateprotocol needs [old, new], two protocol objects")
            return
        }
        if ProtocolListEditor.same(pair[0], pair[1]) { reloads.append(pair[1]) }
        protocols = .array((protocols.arrayValue ?? []).map { ProtocolListEditor.same($0, pair[0]) ? pair[1] : $0 })
        ProtocolListEditor.removeDuplicates(&protocols)
    }

    /// Drops null members and later copies of equal entries, as MistServer does after each change.
    static func removeDuplicates(_ protocols: inout JSONValue) {
        var kept: [JSONValue] = []
        for var entry in protocols.arrayValue ?? [] {
            if case .object(var fields) = entry {
                for (key, value) in fields where value.isNull { _ = fields.removeValue(forKey: key) }
                entry = .object(fields)
            }
            if !kept.contains(where: { same($0, entry) }) { kept.append(entry) }
        }
        protocols = .array(kept)
    }

    static func same(_ first: JSONValue, _ second: JSONValue) -> Bool {
        var first = first
        var second = second
        first.removeMember("online")
        second.removeMember("online")
        return first == second
    }
}
