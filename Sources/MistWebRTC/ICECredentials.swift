/// This side's ICE username fragment and password (RFC 8839 5.4: ice-chars, at least 4 and 22
/// of them), random per session: the username fragment also names the session in STUN checks.
public struct ICECredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    private static let characters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Fresh credentials: 8 and 24 random characters.
    public static func random() -> ICECredentials {
        var generator = SystemRandomNumberGenerator()
        func text(_ count: Int) -> String {
            String((0..<count).map { _ in characters[Int.random(in: 0..<characters.count, using: &generator)] })
        }
        return ICECredentials(username: text(8), password: text(24))
    }
}
