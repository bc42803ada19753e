/// A `udp://host:port` address, as MistServer names the local UDP API (`UDP_API` and the
/// address the controller publishes).
public enum UDPAddress {
    /// The host (an IPv6 address without its brackets) and the port of `url`; the port is nil,
    /// and the host the whole authority, when it has no numeric port. Nil when not `udp://`.
    public static func parse(_ url: String) -> (host: String, port: Int?)? {
        guard url.hasPrefix("udp://") else { return nil }
        let authority = url.dropFirst(6).prefix { $0 != "/" }
        guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...])
        else { return (String(authority), nil) }
        var host = String(authority[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
