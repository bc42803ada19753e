/// What the API remembers about one client connection: authorisation lasts as long as the
/// connection (MistServer's rule), so a client logs in once per connection.
public struct APISession: Sendable {
    /// The peer's address as text (`127.0.0.1`, `::1`).
    public var host: String
    /// Whether the request came through a proxy (`X-Forwarded-For` or `X-Real-IP`), which rules
    /// out the local bypass.
    public var forwarded = false
    public var authorized = false
    /// Authorised because the peer is local, not by logging in.
    public var isLocal = false
    /// What the current request's headers say about a browser behind it (set per request).
    public var browser = BrowserRequest()
    /// Requests answered while not authorised.
    public var attempts = 0

    public init(host: String) {
        self.host = host
    }
}
