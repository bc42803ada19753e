import MistData

/// Whether a push into a stream is accepted, by MistServer's rule: only into a configured stream
/// whose source is `push://`, and when the source names a host (`push://10.0.0.5`), only from it.
public enum PushPolicy {
    /// Nil when the push is accepted, else the reason it is refused. `configuration` is the
    /// stream's published settings (nil: not configured); `peerHost` the publisher's address.
    public static func refusal(stream: String, configuration: JSONValue?, peerHost: String) -> String? {
        guard let configuration else { return "stream \(stream) is not configured" }
        let source = configuration["source"].asString
        guard source.hasPrefix("push://") else {
            return "stream \(stream) does not take pushes (its source is \(source.isEmpty ? "not set" : source))"
        }
        let allowed = source.dropFirst("push://".count).prefix { $0 != "?" && $0 != "/" }
        if allowed.isEmpty { return nil }
        let host = peerHost.hasPrefix("::ffff:") ? String(peerHost.dropFirst(7)) : peerHost
        return host == allowed ? nil : "stream \(stream) only takes pushes from \(allowed), not from \(host)"
    }
}
