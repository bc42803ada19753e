#if canImport(Glibc)
    import Glibc
#endif

/// One record of MistServer's connection and session tables (`/MstSession<id>`, `/MstStat`):
/// who is connected where, and the bytes and packets so far.
public struct SessionRecord: Sendable, Equatable {
    /// `COMM_STATUS_*` flags: 1 active, 0x10 asked to disconnect, 0x20 disconnected; 0 is a free slot.
    public var status: UInt8 = 0
    public var pid: UInt64 = 0
    /// Monotonic seconds of the last update.
    public var now: UInt64 = 0
    /// Seconds connected.
    public var time: UInt64 = 0
    /// The media position in milliseconds.
    public var lastSecond: UInt64 = 0
    public var down: UInt64 = 0
    public var up: UInt64 = 0
    /// The address as 16 bytes (IPv4 mapped into IPv6).
    public var host: [UInt8] = Array(repeating: 0, count: 16)
    public var stream = ""
    /// The protocol; a session's record lists every protocol of its connections, comma-separated.
    public var connector = ""
    public var packets: UInt64 = 0
    public var lost: UInt64 = 0
    public var retransmitted: UInt64 = 0
    /// Session tables only: the session's tags (`[tag][tag]`) and id.
    public var tags = ""
    public var sessionID = ""

    public init() {}

    public static let active: UInt8 = 0x01
    public static let requestDisconnect: UInt8 = 0x10
    public static let disconnected: UInt8 = 0x20

    /// The address as text: dotted for IPv4-mapped addresses, else IPv6 groups.
    public var hostText: String {
        guard host.count == 16 else { return "" }
        if host[0..<10].allSatisfy({ $0 == 0 }) && host[10] == 0xFF && host[11] == 0xFF {
            return host[12..<16].map(String.init).joined(separator: ".")
        }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(host[$0]) << 8 | UInt16(host[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    /// An address as 16 bytes: IPv6 as is, IPv4 as `::ffff:a.b.c.d`; unparsable ones as zeros.
    public static func hostBytes(_ text: String) -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let value = UInt32(bigEndian: v4.s_addr)
            return [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF]
                + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return [UInt8](repeating: 0, count: 16) }
        return withUnsafeBytes(of: &v6) { Array($0) }
    }
}
