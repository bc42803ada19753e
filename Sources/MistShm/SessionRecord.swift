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

    /// 16 address bytes from dotted IPv4 (mapped) or full or `::`-shortened IPv6 text; zeros when unreadable.
    public static func hostBytes(_ text: String) -> [UInt8] {
        let zero = [UInt8](repeating: 0, count: 16)
        // An IPv4 address written as IPv6 (`::ffff:1.2.3.4`).
        if text.contains(".") && text.contains(":"), let last = text.split(separator: ":").last {
            return hostBytes(String(last))
        }
        let dotted = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        if dotted.count == 4 && !text.contains(":") {
            return Array(repeating: 0, count: 10) + [0xFF, 0xFF] + dotted
        }
        func groups(_ part: String) -> [UInt16]? {
            var values: [UInt16] = []
            for item in part.split(separator: ":") {
                guard let value = UInt16(item, radix: 16) else { return nil }
                values.append(value)
            }
            return values
        }
        var halves = [text]
        if let range = text.firstRange(of: "::") {
            halves = [String(text[..<range.lowerBound]), String(text[range.upperBound...])]
            if halves[1].contains("::") { return zero }
        }
        guard let head = groups(halves[0]), let tail = halves.count == 2 ? groups(halves[1]) : [],
            head.count + tail.count <= 8, halves.count == 2 || head.count == 8
        else { return zero }
        let all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
