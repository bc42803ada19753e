import COpenSSL
import CZlib
import Logging
import MistCore
import MistData
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
        if mode & 4 != 0 { bytes += addressBytes(host) }
        if mode & 2 != 0 { bytes += Array(token.utf8) }
        if mode & 1 != 0 { bytes += Array(connector.utf8) }
        var digest = [UInt8](repeating: 0, count: 32)
        _ = bytes.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &digest) }
        return Hex.encode(digest)
    }

    /// An address as 16 bytes: IPv6 as is, IPv4 as `::ffff:a.b.c.d`; unparsable ones as zeros.
    static func addressBytes(_ host: String) -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            let value = UInt32(bigEndian: v4.s_addr)
            return [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF]
                + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return [UInt8](repeating: 0, count: 16) }
        return withUnsafeBytes(of: &v6) { Array($0) }
    }

    /// The token of an HTTP viewer: `tkn`, `sid` or `sessId` from the URL, else the decimal
    /// CRC32 of its User-Agent and this process's pid (MistServer's generated token).
    public static func token(query: [String: String], userAgent: String) -> String {
        for name in ["tkn", "sid", "sessId"] { if let value = query[name], !value.isEmpty { return value } }
        let text = Array((userAgent + String(getpid())).utf8)
        let checksum = text.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        return String(checksum)
    }

    /// A viewer's session id under the server's `sessionViewerMode`.
    static func viewerID(stream: String, host: String, token: String, connector: String) -> String {
        let mode = Int(Triggers.setting("sessionViewerMode").intValue ?? 14)
        return id(stream: stream, host: host, token: token, connector: connector, mode: mode)
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
        guard Triggers.isActive("USER_NEW", stream: stream) else { return true }
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
