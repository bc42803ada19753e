import Synchronization

/// The HTTP connector's `certbot` option: `token:validation` pairs MistUtilCertbot sets, answered
/// on `/.well-known/acme-challenge/<token>` so an ACME server can check the domain (HTTP-01).
public final class ACMEChallenges: Sendable {
    /// The process's challenges (set once from its options at start).
    public static let shared = ACMEChallenges()
    private let pairs = Mutex<[String]>([])

    /// Replaces the challenges with the `certbot` option's values.
    public func configure(_ values: [String]) {
        pairs.withLock { $0 = values.filter { !$0.isEmpty } }
    }

    /// The validation for `token`, if one is configured.
    public func validation(for token: String) -> String? {
        guard !token.isEmpty else { return nil }
        return pairs.withLock { pairs in
            pairs.first { $0.hasPrefix(token + ":") }.map { String($0.dropFirst(token.count + 1)) }
        }
    }

    /// The path prefix ACME servers ask under.
    static let prefix = "/.well-known/acme-challenge/"
}
