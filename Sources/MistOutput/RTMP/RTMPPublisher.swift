import Logging
import MistCore
import MistMedia
import MistNet
import MistRTMP

/// An RTMP client that publishes: handshake, `connect` to the URL's application, `createStream`,
/// `publish`, then messages as FLVPlayback's RTMP sink makes them.
final class RTMPPublisher {
    let connection: any ClientConnection
    private var decoder = RTMPChunkDecoder()
    private(set) var encoder = RTMPChunkEncoder()
    let logger: Logger
    /// The name published under (with its query), for the unpublish at the end.
    private let streamName: String

    /// The parts of `rtmp[s]://host[:port]/app[/more]/stream[?query]`: the last path part is the
    /// stream (with its query), the rest the application. RTMPS is RTMP inside TLS, port 443 by
    /// default.
    static func split(_ url: String) -> (
        host: String, port: UInt16, app: String, stream: String, tcURL: String, secure: Bool
    )? {
        let secure = url.hasPrefix("rtmps://")
        guard secure || url.hasPrefix("rtmp://") else { return nil }
        let scheme = secure ? "rtmps" : "rtmp"
        let rest = url.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count + 1)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let app = String(path[..<slash])
        let stream = String(path[path.index(after: slash)...])
        var host = String(authority)
        var port: UInt16 = secure ? 443 : 1935
        if let colon = authority.lastIndex(of: ":"), let parsed = UInt16(authority[authority.index(after: colon)...]) {
            host = String(authority[..<colon])
            port = parsed
        }
        guard !host.isEmpty, !app.isEmpty, !stream.isEmpty else { return nil }
        return (host, port, app, stream, "\(scheme)://\(authority)/\(app)", secure)
    }

    init(url: String, logger: Logger) throws {
        guard let parts = RTMPPublisher.split(url) else {
            throw RTMPError.malformed("not an rtmp:// or rtmps:// URL with an app and a stream: \(url)")
        }
        self.logger = logger
        streamName = parts.stream
        connection = try ClientConnections.connect(host: parts.host, port: parts.port, secure: parts.secure)
        // Plain handshake: C0 C1, then S0 S1 S2, then C2 echoing S1.
        try connection.send([3] + RTMPHandshake.randomBytes(1536).enumerated().map { $0.offset < 8 ? 0 : $0.element })
        var handshake: [UInt8] = []
        while handshake.count < 1 + 2 * 1536 {
            guard try connection.receive(into: &handshake, limit: 8192, timeoutMilliseconds: 5000) > 0 else {
                throw NetworkError.timeout
            }
        }
        try connection.send(Array(handshake[1..<1537]))
        decoder.append(handshake[(1 + 2 * 1536)...])
        var out: [UInt8] = []
        encoder.encode(RTMPControl.setChunkSize(4096), chunkStream: 2, into: &out)
        encoder.setChunkSize(4096)
        encoder.encode(
            RTMPControl.command([
                .string("connect"), .number(1),
                .object([("app", .string(parts.app)), ("type", .string("nonprivate")), ("tcUrl", .string(parts.tcURL))]
                ),
            ]), chunkStream: 3, into: &out)
        try connection.send(out)
        try waitFor(result: 1)
        out = []
        encoder.encode(RTMPControl.command([.string("createStream"), .number(2), .null]), chunkStream: 3, into: &out)
        try connection.send(out)
        try waitFor(result: 2)
        out = []
        encoder.encode(
            RTMPControl.command(
                [.string("publish"), .number(3), .null, .string(parts.stream), .string("live")], streamID: 1),
            chunkStream: 3, into: &out)
        try connection.send(out)
        try waitFor(status: "NetStream.Publish.Start")
        logger.mist(.info, "Publishing to \(url)")
    }

    /// Ends the publish the way a well-behaved publisher does before it disconnects
    /// (`FCUnpublish`, then `deleteStream`), so the server ends the stream at once instead of
    /// waiting for its input timeout. Best effort: the connection may be gone already.
    func unpublish() {
        var out: [UInt8] = []
        encoder.encode(
            RTMPControl.command([.string("FCUnpublish"), .number(4), .null, .string(streamName)]), chunkStream: 3,
            into: &out)
        encoder.encode(
            RTMPControl.command([.string("deleteStream"), .number(5), .null, .number(1)]), chunkStream: 3, into: &out)
        try? connection.send(out, timeoutMilliseconds: 2000)
    }

    /// Reads messages until `_result` for `transaction`, or an `onStatus` with `status`.
    private func waitFor(result transaction: Double? = nil, status: String? = nil) throws {
        let deadline = monotonicSeconds() + 10
        while monotonicSeconds() < deadline {
            while let message = try decoder.nextMessage() {
                guard message.type == RTMPMessage.Kind.commandAMF0, let values = try? AMF0.decodeAll(message.payload),
                    let name = values.first?.stringValue
                else { continue }
                if name == "_error" {
                    throw RTMPError.malformed("the server refused: \(values.count > 3 ? "\(values[3])" : "error")")
                }
                if name == "_result", let transaction, values.count > 1, values[1].numberValue == transaction { return }
                if name == "onStatus", let status, values.count > 3 {
                    let code = values[3]["code"]?.stringValue ?? ""
                    if code == status { return }
                    if code.contains("Rejected") || code.contains("BadName") || code.contains("Failed") {
                        throw RTMPError.malformed("the server refused: \(code)")
                    }
                }
            }
            var bytes: [UInt8] = []
            _ = try connection.receive(into: &bytes, timeoutMilliseconds: 250)
            decoder.append(bytes)
        }
        throw NetworkError.timeout
    }

    /// Reads and drops what the server sends (acknowledgements, pings), noticing a close.
    func drain() throws {
        var bytes: [UInt8] = []
        while try connection.receive(into: &bytes, timeoutMilliseconds: 0) > 0 {
            decoder.append(bytes)
            bytes.removeAll()
            while let message = try decoder.nextMessage() {
                if message.type == RTMPMessage.Kind.commandAMF0, let values = try? AMF0.decodeAll(message.payload),
                    values.first?.stringValue == "onStatus", values.count > 3,
                    (values[3]["level"]?.stringValue ?? "") == "error"
                {
                    throw RTMPError.malformed("the server ended the publish: \(values[3]["code"]?.stringValue ?? "")")
                }
            }
        }
    }

}
