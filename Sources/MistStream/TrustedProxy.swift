import Logging
import MistCore
import MistData
import Synchronization

/// The viewer's address when a reverse proxy forwards the request, as MistServer decides it:
/// `X-Forwarded-For` (its first address), else `X-Real-IP`, believed only from `localhost` or a
/// proxy of the `trustedproxy` setting (addresses, IPv4 ranges like `10.0.0.0/8`, or names).
public enum TrustedProxy {
    /// Names resolved to their addresses, for a minute: a proxy in front sends these headers with
    /// every request, and a lookup per request is too slow for an event loop.
    private static let resolved = Mutex<[String: (addresses: Set<String>, until: Double)]>([:])

    /// The address a request from `peer` stands for (the peer's own when nothing is forwarded or
    /// the peer is not trusted; the log says so once per such request).
    public static func viewer(peer: String, realIP: String?, forwardedFor: String?, logger: Logger) -> String {
        var forwarded = realIP ?? ""
        if let forwardedFor { forwarded = String(forwardedFor.prefix { $0 != "," }) }
        forwarded = forwarded.trimmingSpaces
        guard !forwarded.isEmpty, forwarded.utf8.count <= 64 else { return peer }
        guard isTrusted(peer) else {
            if forwarded != peer {
                logger.mist(.warn, "Host \(peer) is attempting to act as a proxy for \(forwarded), but not trusted")
            }
            return peer
        }
        return forwarded
    }

    /// Whether `peer` is `localhost` or matches an entry of `trustedproxy`.
    static func isTrusted(_ peer: String) -> Bool {
        let host = peer.hasPrefix("::ffff:") ? String(peer.dropFirst(7)) : peer
        if PushPolicy.isLoopback(host) { return true }
        let list = (Triggers.setting("trustedproxy").arrayValue ?? []).compactMap { $0.stringValue }
        for entry in list.prefix(256) where !entry.isEmpty {
            if entry == host || (entry.contains("/") && PushPolicy.matchesHost(host, entry)) { return true }
            if PushPolicy.ipv4(entry) == nil && !entry.contains(":") && !entry.contains("/")
                && addresses(of: entry).contains(host)
            {
                return true
            }
        }
        return false
    }

    private static func addresses(of name: String) -> Set<String> {
        let now = monotonicSeconds()
        if let known = resolved.withLock({ $0[name] }), known.until > now { return known.addresses }
        let found = PushPolicy.addresses(of: name)
        resolved.withLock { table in
            if table.count > 1024 { table.removeAll() }
            table[name] = (found, now + 60)
        }
        return found
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
