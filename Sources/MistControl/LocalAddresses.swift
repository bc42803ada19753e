#if canImport(Glibc)
    import Glibc
#endif

/// Which API clients count as local and skip the login. MistServer trusts loopback and the
/// machine's own addresses; `MIST_API_LOCAL` replaces that rule with a comma-separated list of
/// addresses and IPv4 ranges (`127.0.0.0/8,::1`), or `none` to make every client log in (how the
/// tests exercise the login on loopback).
public struct LocalAddresses: Sendable {
    enum Rule: Sendable {
        case exact(String)
        case ipv4(network: UInt32, mask: UInt32)
    }

    var rules: [Rule]
    var includeOwnAddresses: Bool

    /// The rule in force: `MIST_API_LOCAL` when set, else loopback plus the machine's addresses.
    public static var standard: LocalAddresses {
        if let text = getenv("MIST_API_LOCAL").map({ String(cString: $0) }) {
            return LocalAddresses(list: text)
        }
        return LocalAddresses(
            rules: [.ipv4(network: 0x7F00_0000, mask: 0xFF00_0000), .exact("::1")], includeOwnAddresses: true)
    }

    init(rules: [Rule], includeOwnAddresses: Bool) {
        self.rules = rules
        self.includeOwnAddresses = includeOwnAddresses
    }

    /// Parses a comma-separated list; `none` or an empty list trusts nobody.
    public init(list: String) {
        var rules: [Rule] = []
        for item in list.split(separator: ",") {
            let text = item.filter { $0 != " " }
            if text == "none" || text.isEmpty { continue }
            if let slash = text.firstIndex(of: "/"), let address = LocalAddresses.ipv4(String(text[..<slash])),
                let bits = UInt32(text[text.index(after: slash)...]), bits <= 32
            {
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                rules.append(.ipv4(network: address & mask, mask: mask))
            } else {
                rules.append(.exact(text))
            }
        }
        self.init(rules: rules, includeOwnAddresses: false)
    }

    /// Whether `host` (an address as text, IPv4-mapped IPv6 allowed) is local.
    public func contains(_ host: String) -> Bool {
        let plain = host.hasPrefix("::ffff:") && host.contains(".") ? String(host.dropFirst(7)) : host
        for rule in rules {
            switch rule {
            case .exact(let address): if address == plain || address == host { return true }
            case .ipv4(let network, let mask):
                if let value = LocalAddresses.ipv4(plain), value & mask == network { return true }
            }
        }
        return includeOwnAddresses && LocalAddresses.ownAddresses().contains(plain)
    }

    static func ipv4(_ text: String) -> UInt32? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }

    /// The addresses of this machine's interfaces, as text.
    static func ownAddresses() -> Set<String> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var found: Set<String> = []
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr else { continue }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let family = Int32(address.pointee.sa_family)
            if family == AF_INET {
                var ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                inet_ntop(AF_INET, &ipv4, &buffer, socklen_t(buffer.count))
            } else if family == AF_INET6 {
                var ipv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                inet_ntop(AF_INET6, &ipv6, &buffer, socklen_t(buffer.count))
            } else {
                continue
            }
            found.insert(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return found
    }
}
