#if canImport(Glibc)
    import Glibc
#endif

/// What an API request's headers say about a browser behind it. MistServer lets local callers
/// skip the login; a web page of another origin (a forged cross-site request) or a page reached
/// under a name that is not this server's (DNS rebinding) arrives from a local address too, and
/// must not act with that trust. Scripts and `curl` send none of these headers and keep it.
public struct BrowserRequest: Sendable, Equatable {
    /// Sent by a page of another origin: its `Origin`, `Sec-Fetch-Site` or `Referer` says so,
    /// and the origin is not one the configuration trusts.
    public var crossSite = false
    /// Addressed (`Host`) to a name that is neither an address, `localhost`, this machine's name
    /// nor one the configuration trusts.
    public var foreignHost = false

    public init() {}

    /// Reads the headers (`header` answers a lower-cased name); `trustedOrigins` are origins
    /// such as `https://admin.example.com`, `trustedHosts` names such as `mist.example.com`.
    public init(header: (String) -> String?, trustedOrigins: Set<String>, trustedHosts: Set<String>) {
        let host = header("host")?.lowercased()
        if let host { foreignHost = !BrowserRequest.isOwnName(BrowserRequest.hostName(host), trusted: trustedHosts) }
        let trusted = Set(trustedOrigins.map { BrowserRequest.normalizedOrigin($0) })
        func foreign(_ url: String) -> Bool {
            let origin = BrowserRequest.normalizedOrigin(url)
            guard !trusted.contains(origin) else { return false }
            guard let host, let authority = BrowserRequest.authority(of: origin) else { return true }
            return authority != host
        }
        if let origin = header("origin") {
            crossSite = foreign(origin)
        } else if let site = header("sec-fetch-site")?.lowercased() {
            // A request without Origin (a script tag, an image): the browser still says whose page sent it.
            crossSite = site == "cross-site" || site == "same-site"
        } else if let referer = header("referer") {
            crossSite = foreign(referer)
        }
    }

    /// `scheme://authority` of a URL, lower-cased and without a path (`null` stays `null`).
    static func normalizedOrigin(_ url: String) -> String {
        let text = String(url.lowercased().drop { $0 == " " })
        guard let schemeEnd = text.firstRange(of: "://") else { return text }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return String(text[..<schemeEnd.upperBound]) + authority
    }

    /// The authority (`host[:port]`) of a normalized origin, without a default port.
    static func authority(of origin: String) -> String? {
        guard let schemeEnd = origin.firstRange(of: "://") else { return nil }
        let scheme = origin[..<schemeEnd.lowerBound]
        var authority = String(origin[schemeEnd.upperBound...])
        if let at = authority.lastIndex(of: "@") { authority = String(authority[authority.index(after: at)...]) }
        let defaultPort = scheme == "https" ? ":443" : scheme == "http" ? ":80" : nil
        if let defaultPort, authority.hasSuffix(defaultPort) { authority.removeLast(defaultPort.count) }
        return authority
    }

    /// The name part of a `Host` header: `[::1]:4242` → `::1`, `example.com:80` → `example.com`.
    static func hostName(_ host: String) -> String {
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<end])
        }
        if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            return String(host[..<colon])
        }
        return host
    }

    /// Whether `name` names this server: an address literal, `localhost`, the machine's name
    /// (with or without its domain) or a trusted name.
    static func isOwnName(_ name: String, trusted: Set<String>) -> Bool {
        if name.isEmpty || name == "localhost" || name.hasSuffix(".localhost") { return true }
        if trusted.contains(where: { $0.lowercased() == name }) { return true }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1 { return true }
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return false }
        let machine = String(cString: buffer).lowercased()
        return !machine.isEmpty && (name == machine || machine.split(separator: ".").first.map(String.init) == name)
    }
}
