import MistCore
import MistNet
import MistSRT

#if canImport(Glibc)
    import Glibc
#endif

/// Where a TS push over the network sends its bytes: `srt://` (as an SRT caller), `tsudp://`
/// (one datagram per 7 TS packets, unicast or multicast), `tsrtp://` (the same in RTP, payload
/// type 33), `tstcp://` (a TCP stream) or `ts-exec:` (a command's standard input).
protocol TSPushSink: AnyObject {
    /// Sends whole TS packets; `time` is the media time of the frame they carry (ms).
    func send(_ bytes: [UInt8], time: UInt64) throws
    func close()
}

/// The targets the TS network push takes.
enum TSPushTarget {
    static func handles(_ target: String) -> Bool {
        ["srt://", "tsudp://", "tsrtp://", "tstcp://", "ts-exec:"].contains { target.hasPrefix($0) }
    }

    /// `host`, `port` and query parameters of `scheme://host:port[/...][?query]`.
    static func address(_ target: String) throws -> (host: String, port: UInt16, parameters: [String: String]) {
        let rest = target.drop { $0 != ":" }.dropFirst(3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let query = rest.drop { $0 != "?" }.dropFirst()
        guard let colon = authority.lastIndex(of: ":"), let port = UInt16(authority[authority.index(after: colon)...]),
            port > 0
        else { throw PushOutput.Ending(code: "FORMAT_SPECIFIC", text: "\(target) has no port") }
        var host = String(authority[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let parameters = Dictionary(
            URLQuery.parse(Array(query.utf8)).map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        return (host, port, parameters)
    }

    /// Opens the sink `target` names.
    static func open(_ target: String) throws -> any TSPushSink {
        if target.hasPrefix("ts-exec:") || target.hasPrefix("mkv-exec:") {
            let scheme = target.prefix { $0 != ":" }
            let words = target.dropFirst(scheme.count + 1).split(separator: " ").map(String.init)
            guard let command = words.first else {
                throw PushOutput.Ending(code: "FORMAT_SPECIFIC", text: "\(scheme): names no command")
            }
            return try CommandPushSink(command: command, arguments: Array(words.dropFirst()))
        }
        let (host, port, parameters) = try address(target)
        if target.hasPrefix("srt://") {
            guard SRTOption.mode(parameters, host: host) == "caller" else {
                throw PushOutput.Ending(
                    code: "FORMAT_SPECIFIC", text: "\(target): only caller mode (a host in the URL) pushes")
            }
            let socket = try SRTSocket.connect(host: host, port: port, options: parameters)
            return SRTPushSink(socket: socket)
        }
        if target.hasPrefix("tstcp://") {
            return TCPPushSink(connection: try TCPConnection.connect(host: host, port: port))
        }
        return try UDPPushSink(host: host, port: port, rtp: target.hasPrefix("tsrtp://"))
    }
}
