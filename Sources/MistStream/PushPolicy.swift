import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// Whether a push into a stream is accepted, by MistServer's rule for `push://[host][@password]`
/// sources: only into a configured stream whose source is `push://`; a matching password (RTMP's
/// application name) is enough; otherwise the publisher's address must match the host (an
/// address, an IPv4 range like `10.0.0.0/8`, or a name) when one is given.
public enum PushPolicy {
    /// Nil when the push is accepted, else the reason it is refused. `configuration` is the
    /// stream's published settings (nil: not configured); `peerHost` the publisher's address.
    public static func refusal(
        stream: String, configuration: JSONValue?, peerHost: String, password: String? = nil
    ) -> String? {
        guard let configuration else { return "stream \(stream) is not configured" }
        let source = configuration["source"].asString
        guard source.hasPrefix("push://") else {
            return "stream \(stream) does not take pushes (its source is \(source.isEmpty ? "not set" : source))"
        }
        let rule = source.dropFirst("push://".count).prefix { $0 != "?" }
        let allowedHost = String(rule.prefix { $0 != "@" })
        let requiredPassword = rule.contains("@") ? String(rule.drop { $0 != "@" }.dropFirst()) : ""
        if !requiredPassword.isEmpty && password == requiredPassword { return nil }
        if allowedHost.isEmpty {
            return requiredPassword.isEmpty ? nil : "stream \(stream) needs the right password to push"
        }
        let host = peerHost.hasPrefix("::ffff:") ? String(peerHost.dropFirst(7)) : peerHost
        let matches = allowedHost.split(separator: ",").contains { matchesHost(host, String($0)) }
        return matches ? nil : "stream \(stream) only takes pushes from \(allowedHost), not from \(host)"
    }

    /// Whether `address` is `allowed`: equal, inside an IPv4 range, or one of a name's addresses.
    static func matchesHost(_ address: String, _ allowed: String) -> Bool {
        if address == allowed { return true }
        if let slash = allowed.firstIndex(of: "/") {
            guard let network = ipv4(String(allowed[..<slash])),
                let bits = Int(allowed[allowed.index(after: slash)...]),
                (0...32).contains(bits), let value = ipv4(address)
            else { return false }
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
            return value & mask == network & mask
        }
        guard ipv4(allowed) == nil, !allowed.contains(":") else { return false }
        return addresses(of: allowed).contains(address)
    }

    /// The numeric addresses a name resolves to (none when it does not).
    static func addresses(of name: String) -> Set<String> {
        var found: Set<String> = []
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0 else { return found }
        defer { freeaddrinfo(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ai_next }
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0,
                NI_NUMERICHOST)
                == 0
            {
                found.insert(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return found
    }

    /// Whether `host` is a loopback address: 127.0.0.0/8 (also mapped into IPv6) or ::1. Names
    /// are not resolved: `localhost` is not an address.
    public static func isLoopback(_ host: String) -> Bool {
        let address = host.hasPrefix("::ffff:") ? String(host.dropFirst(7)) : host
        return address == "::1" || (ipv4(address).map { $0 >> 24 == 127 } ?? false)
    }

    static func ipv4(_ text: String) -> UInt32? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }
}
