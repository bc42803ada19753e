import COpenSSL
import CZlib
import Logging
import MistCore
import MistData
import MistShm
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A viewer's session as MistServer identifies it, and the USER_NEW check that admits it: the
/// answer is kept per session (a refusal for 600 s, an admission while the session is used),
/// so segment requests and reconnects do not ask the handler again.
public enum ViewerSession {
    private static let answers = Mutex<[String: (allowed: Bool, until: Double)]>([:])
    /// The `invalidate_sessions` count the kept answers belong to.
    private static let generation = Mutex<Int64>(0)
    static let deniedSeconds = 600.0
    static let idleSeconds = 60.0

    /// The session id: lower-case hex SHA-256 over the fields the bitmask enables, in
    /// MistServer's order: 8 stream, 4 address (16-byte IPv6, IPv4 mapped), 2 token, 1 connector.
    public static func id(stream: String, host: String, token: String, connector: String, mode: Int = 14) -> String {
        var bytes: [UInt8] = []
        if mode & 8 != 0 { bytes += Array(stream.utf8) }
        if mode & 4 != 0 { bytes += SessionRecord.hostBytes(host) }
        if mode & 2 != 0 { bytes += Array(token.utf8) }
        if mode & 1 != 0 { bytes += Array(connector.utf8) }
        var digest = [UInt8](repeating: 0, count: 32)
        _ = bytes.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &digest) }
        return Hex.encode(digest)
    }

    /// The token of a viewer's request as MistServer reads it under `tknMode` (bit 1: from the
    /// URL, bit 2: from a cookie): URL `tkn`, else `sid`, else `sessId`, a URL `jwt` over them;
    /// without one, the `tkn` cookie, a `jwt` cookie over it; `Authorization: Bearer` over all.
    /// With none, `generated` (the connection's own token) when the mode writes tokens to
    /// players (above 3), else none.
    public static func token(
        query: [String: String], cookie: String? = nil, authorization: String? = nil, generated: String,
        mode: Int? = nil
    ) -> String {
        let mode = mode ?? self.mode("tknMode", default: 15)
        var token = ""
        if mode & 1 != 0 {
            for name in ["tkn", "sid", "sessId"] {
                if let value = query[name], !value.isEmpty {
                    token = value
                    break
                }
            }
            if let jwt = query["jwt"], !jwt.isEmpty { token = jwt }
        }
        if mode & 2 != 0 && token.isEmpty, let cookie {
            let cookies = cookieValues(cookie)
            if let value = cookies["tkn"], !value.isEmpty { token = value }
            if let jwt = cookies["jwt"], !jwt.isEmpty { token = jwt }
        }
        // MistServer reads the bearer token from one byte too far (dropping its first
        // character); the whole token is taken here.
        if let authorization, authorization.hasPrefix("Bearer ") {
            let bearer = authorization.dropFirst(7).drop { $0 == " " }.prefix { $0 != " " }
            if !bearer.isEmpty { token = String(bearer) }
        }
        if token.isEmpty && mode > 3 { token = generated }
        return token
    }

    /// A `Cookie` header's values by name (the first of each).
    static func cookieValues(_ header: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in header.split(separator: ";").prefix(64) {
            let trimmed = pair.drop { $0 == " " }
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            let name = String(trimmed[..<equals])
            if values[name] == nil { values[name] = String(trimmed[trimmed.index(after: equals)...]) }
        }
        return values
    }

    /// A fresh token for one connection, in the form of MistServer's generated ones (a decimal
    /// 32-bit number).
    public static func generatedToken() -> String { String(UInt32.random(in: 1...UInt32.max)) }

    /// The `Set-Cookie` header line that hands a player its token, when `tknMode` writes cookies
    /// (bit 8); empty otherwise. It lives as long as a denied session is remembered (600 s).
    public static func cookieHeader(token: String) -> String {
        guard !token.isEmpty, mode("tknMode", default: 15) & 8 != 0 else { return "" }
        return "Set-Cookie: tkn=\(token); Max-Age=\(Int(deniedSeconds))\r\n"
    }

    /// Whether URLs handed to players carry `?tkn=` (`tknMode` bit 4).
    public static var writesTokensIntoURLs: Bool { mode("tknMode", default: 15) & 4 != 0 }

    /// A viewer's session id under the server's `sessionViewerMode`: the same id for USER_NEW
    /// and for the statistics.
    static func viewerID(stream: String, host: String, token: String, connector: String) -> String {
        id(stream: stream, host: host, token: token, connector: connector, mode: mode("sessionViewerMode", default: 14))
    }

    /// What a JWT says about `use` (`output`: watching, `input`: pushing) of `stream`, when the
    /// server has keys and `token` is one: true for a valid token whose key permits it (and whose
    /// `sub` and `ipa`, when given, fit the stream and `host`), false otherwise; nil for tokens
    /// that are not JWTs.
    public static func tokenVerdict(
        _ token: String, stream: String, use: String, host: String? = nil, logger: Logger
    ) -> Bool? {
        guard JSONWebToken.looksLikeToken(token), !(Triggers.setting("jwks").arrayValue ?? []).isEmpty else {
            return nil
        }
        do {
            return verdict(try JSONWebToken(token), stream: stream, use: use, host: host, logger: logger)
        } catch {
            logger.mist(.info, "Token refused for \(stream): \(error)")
            return false
        }
    }

    /// What a token already read says about `use` of `stream` (nil when the server has no keys).
    public static func verdict(
        _ jwt: JSONWebToken, stream: String, use: String, host: String? = nil, logger: Logger
    ) -> Bool? {
        guard let keys = Triggers.setting("jwks").arrayValue, !keys.isEmpty else { return nil }
        do {
            let permissions = try jwt.verify(keys: keys, now: Int64(time(nil)))
            guard JSONWebToken.permits(permissions, use, stream: stream) else {
                throw JSONWebToken.Refusal.notPermitted("\(use) of \(stream)")
            }
            try jwt.claimsAdmit(stream: stream, host: host)
            return true
        } catch {
            logger.mist(.info, "Token refused for \(stream): \(error)")
            return false
        }
    }

    /// A session bundling setting (a bitmask of 4 bits), MistServer's default when unset.
    static func mode(_ name: String, default fallback: Int) -> Int {
        guard let value = Triggers.setting(name).intValue, (0...15).contains(value) else { return fallback }
        return Int(value)
    }

    /// Whether `admit` would answer without waiting: USER_NEW has no blocking handler for
    /// `stream`, or the session's answer is kept.
    public static func answersAtOnce(stream: String, host: String, token: String, connector: String) -> Bool {
        guard Triggers.waitsForAnswer("USER_NEW", stream: stream) else { return true }
        let session = viewerID(stream: stream, host: host, token: token, connector: connector)
        let now = monotonicSeconds()
        let current = Triggers.setting("invalidate").intValue ?? 0
        guard generation.withLock({ $0 == current }) else { return false }
        return answers.withLock { $0[session].map { $0.until > now } ?? false }
    }

    /// Runs USER_NEW for a new session (not again while its answer is kept); true when the
    /// viewer may watch.
    public static func admit(
        stream: String, host: String, token: String, connector: String, url: String, logger: Logger
    ) -> Bool {
        // A signed token with the right to watch stands in for USER_NEW; a bad one is refused.
        if let verdict = tokenVerdict(token, stream: stream, use: "output", host: host, logger: logger) {
            return verdict
        }
        // Under MistServer's controller the session's MistSession asks USER_NEW, and a refusal
        // cuts the connection (ConnectionStats).
        guard Triggers.isActive("USER_NEW", stream: stream), !SessionLink.sessionsAreExternal else { return true }
        let current = Triggers.setting("invalidate").intValue ?? 0
        if generation.withLock({ known in
            defer { known = current }; return known != current
        }) {
            answers.withLock { $0.removeAll() }
        }
        let session = viewerID(stream: stream, host: host, token: token, connector: connector)
        let now = monotonicSeconds()
        if let known = answers.withLock({ table -> Bool? in
            guard let entry = table[session], entry.until > now else { return nil }
            if entry.allowed { table[session]?.until = now + idleSeconds }
            return entry.allowed
        }) {
            return known
        }
        let allowed = Triggers.allow(
            "USER_NEW", stream: stream,
            payload: [stream, host, token, connector, url, session, "false"].joined(separator: "\n"), logger: logger)
        answers.withLock { table in
            table[session] = (allowed, now + (allowed ? idleSeconds : deniedSeconds))
            if table.count > 100_000 { table = table.filter { $0.value.until > now } }
        }
        return allowed
    }
}
