import MistData

/// `jwks`, `addjwks` and `deletejwks`: the JSON Web Keys viewers' and publishers' tokens are
/// checked with, stored as `[key, permissions]` entries, or JWKS URLs (alone or as
/// `[url, permissions]`) whose keys `JWKSDownloads` fetches.
extension Controller {
    /// The members a key keeps (the common ones, and those of its type).
    static let keyMembers: [String: [String]] = [
        "oct": ["k"], "RSA": ["n", "e"], "EC": ["crv", "x", "y"],
    ]
    static let commonKeyMembers = ["kty", "use", "key_ops", "alg", "kid", "x5u", "x5c", "x5t", "x5t#S256"]

    func editJWKS(_ request: JSONValue, storage: inout JSONValue, response: inout JSONValue) {
        guard request.hasMember("jwks") || request.hasMember("addjwks") || request.hasMember("deletejwks") else {
            return
        }
        var stored = storage["jwks"].arrayValue ?? []
        if request.hasMember("jwks") {
            let call = request["jwks"]
            if call.isArray || call.isString {
                stored = []
                for entry in Self.entries(call) where !stored.contains(entry) { stored.append(entry) }
            }
            response["jwks"] = .array(stored.map(Self.withDefaults))
        }
        if request.hasMember("addjwks") {
            var added: [JSONValue] = []
            for entry in Self.entries(request["addjwks"]) {
                // The same kid (or the same key) replaces the old entry.
                stored.removeAll { old in
                    guard old.isArray, entry.isArray else { return old == entry }
                    let kid = entry[0]["kid"]
                    return (kid.isString && old[0]["kid"] == kid) || old[0] == entry[0]
                }
                stored.append(entry)
                added.append(Self.withDefaults(entry))
            }
            response["addjwks"] = .array(added)
        }
        if request.hasMember("deletejwks") {
            let call = request["deletejwks"]
            var removed: [JSONValue] = []
            for target in call.arrayValue ?? [call] {
                stored.removeAll { old in
                    let key = old.isArray ? old[0] : .null
                    let hit =
                        (target.isString && (old == target || key == target || key["kid"] == target))
                        || (target.isObject && key == Self.cleanKey(target))
                    if hit { removed.append(Self.withDefaults(old)) }
                    return hit
                }
            }
            response["deletejwks"] = .array(removed)
        }
        storage["jwks"] = .array(stored)
    }

    /// The entries a call names: keys, `[key, permissions]`, JWKS objects (`{"keys": [...]}`,
    /// with permissions for all), URLs, or arrays of those.
    static func entries(_ value: JSONValue, permissions: JSONValue = .emptyObject, depth: Int = 0) -> [JSONValue] {
        guard depth < 4 else { return [] }
        if let url = value.stringValue { return url.isEmpty ? [] : [.string(url)] }
        if value.isObject {
            if let keys = value["keys"].arrayValue {
                return keys.flatMap { entries($0, permissions: permissions, depth: depth + 1) }
            }
            guard let key = cleanKey(value) else { return [] }
            return [[key, permissions]]
        }
        guard let list = value.arrayValue else { return [] }
        // [url, permissions]
        if list.count == 2, let url = list[0].stringValue, url.contains("://"), list[1].isObject {
            return [[.string(url), list[1]]]
        }
        // [key or JWKS, permissions]
        if list.count == 2, list[0].isObject, list[1].isObject, !list[1].hasMember("kty"), !list[1].hasMember("keys") {
            return entries(list[0], permissions: list[1], depth: depth + 1)
        }
        return list.flatMap { entries($0, permissions: permissions, depth: depth + 1) }
    }

    /// A key with only the members MistServer keeps; nil without a known `kty`.
    static func cleanKey(_ key: JSONValue) -> JSONValue? {
        guard let type = key["kty"].stringValue, let own = keyMembers[type] else { return nil }
        var clean = JSONValue.emptyObject
        for member in commonKeyMembers + own where key.hasMember(member) { clean[member] = key[member] }
        return clean
    }

    /// An entry as replies show it: permissions with their defaults.
    static func withDefaults(_ entry: JSONValue) -> JSONValue {
        guard entry.isArray else { return entry }
        var permissions = entry[1].isObject ? entry[1] : .emptyObject
        for (name, value) in [("input", JSONValue.bool(true)), ("output", .bool(true)), ("admin", .bool(false))]
        where !permissions.hasMember(name) {
            permissions[name] = value
        }
        if !permissions.hasMember("stream") { permissions["stream"] = "*" }
        return [entry[0], permissions]
    }
}
