import Logging
import MistCore
import MistData
import MistMedia
import MistNet
import MistShm
import MistStream

/// One HTTP connection to MistOutHTTP (or a single-format `MistOut<Format>`): reads requests and
/// answers them by URL as MistServer's HTTP handler does. Live progressive viewers are handed to
/// a fan-out group; everything else is answered on this connection's thread.
public final class HTTPSession {
    let connection: TCPConnection
    let logger: Logger
    /// The formats this process serves; MistOutHTTP serves all of them plus the stream info,
    /// the player and the embed pages.
    let formats: Set<HTTPFormat>
    var servesPages: Bool { formats.count == HTTPFormat.allCases.count }
    private var pending: [UInt8] = []
    /// Set once a fan-out group owns the connection: this session must not close it.
    var handedOff = false
    /// The stream this request plays and its triggers, for CONN_CLOSE when it ends.
    var playing: (admission: PlayAdmission, stream: String, stats: Int)?
    /// How long a request head may take to arrive once it has begun.
    let headSeconds: Double
    /// The cross-origin and caching headers MistServer sends with every answer, so players on
    /// other origins can read streams, ranges and info.
    static let corsHeaders =
        "Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\n"
        + "Access-Control-Expose-Headers: *\r\nAccess-Control-Max-Age: 600\r\n"
        + "Access-Control-Allow-Methods: GET, POST, OPTIONS, HEAD\r\nAccess-Control-Allow-Headers: *\r\n"
        + "Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\nExpires: 0\r\n"

    /// How long an idle keep-alive connection stays open.
    static let idleSeconds = 30.0
    /// The largest request body taken (and dropped: no URL here uses one).
    static let maximumBody = 1 << 20

    public init(
        connection: TCPConnection, logger: Logger, formats: Set<HTTPFormat> = Set(HTTPFormat.allCases),
        headSeconds: Double = 10
    ) {
        self.connection = connection
        self.logger = logger
        self.formats = formats
        self.headSeconds = headSeconds
    }

    public func run() {
        defer { if !handedOff { connection.close() } }
        do {
            defer { closePlaying() }
            while true {
                guard let head = try readHead() else { return }
                let keepOpen = try answer(head)
                closePlaying()
                if !keepOpen || !head.keepAlive { return }
            }
        } catch let error as HTTPRequestHead.Failure {
            logger.mist(.warn, "HTTP client \(connection.peer) sent a bad request: \(error)")
            let status = error == .tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request"
            try? respond(status: status, body: "\(error)\n", keepAlive: false)
        } catch let error as HTTPSessionError {
            logger.mist(.warn, "HTTP client \(connection.peer) refused: \(error)")
            let status: String
            switch error {
            case .headTimeout: status = "408 Request Timeout"
            case .bodyTooLarge: status = "413 Content Too Large"
            case .unsupportedBody: status = "411 Length Required"
            }
            try? respond(status: status, body: "\(error)\n", keepAlive: false)
        } catch let error as NetworkError {
            logger.mist(.medium, "HTTP connection \(connection.peer) ended: \(error)")
        } catch {
            logger.mist(.warn, "HTTP connection \(connection.peer) failed: \(error)")
        }
    }

    /// The next request head; nil when the client closed between requests or stayed idle.
    /// A head that has begun must be complete within `headSeconds`.
    private func readHead() throws -> HTTPRequestHead? {
        let idleSince = monotonicSeconds()
        var headStarted: Double? = pending.isEmpty ? nil : idleSince
        while true {
            if let parsed = try HTTPRequestHead.parse(pending) {
                pending.removeFirst(parsed.length)
                try skipBody(of: parsed.head)
                return parsed.head
            }
            let now = monotonicSeconds()
            if let headStarted, now - headStarted > headSeconds { throw HTTPSessionError.headTimeout }
            if headStarted == nil && now - idleSince > HTTPSession.idleSeconds { return nil }
            do {
                if try connection.receive(into: &pending, timeoutMilliseconds: 250) > 0 && headStarted == nil {
                    headStarted = now
                }
            } catch {
                return nil
            }
        }
    }

    /// CONN_CLOSE for what this connection played, unless a fan-out group now owns it.
    private func closePlaying() {
        if let playing, !handedOff {
            playing.admission.close(playing.stream)
            ConnectionStats.close(playing.stats)
        }
        playing = nil
    }

    /// Reads and drops a request body (none of these URLs takes one), within limits.
    private func skipBody(of head: HTTPRequestHead) throws {
        if head.header("transfer-encoding") != nil { throw HTTPSessionError.unsupportedBody }
        guard let text = head.header("content-length") else { return }
        guard let length = Int(text), length >= 0 else { throw HTTPRequestHead.Failure.malformed("content-length") }
        guard length <= HTTPSession.maximumBody else { throw HTTPSessionError.bodyTooLarge(length) }
        var remaining = length
        let deadline = monotonicSeconds() + headSeconds
        while remaining > 0 {
            let taken = min(remaining, pending.count)
            pending.removeFirst(taken)
            remaining -= taken
            if remaining == 0 { break }
            guard monotonicSeconds() < deadline else { throw HTTPSessionError.headTimeout }
            _ = try connection.receive(into: &pending, timeoutMilliseconds: 250)
        }
    }

    /// Answers one request; false when the connection must close afterwards.
    private func answer(_ head: HTTPRequestHead) throws -> Bool {
        if head.method == "OPTIONS" {
            // A browser's preflight: the CORS headers say what is allowed.
            try respond(status: "200 OK", contentType: "text/plain", body: [], keepAlive: true)
            return true
        }
        guard head.method == "GET" || head.method == "HEAD" else {
            try respond(status: "405 Method Not Allowed", body: "Only GET and HEAD are served here\n", keepAlive: true)
            return true
        }
        let path = URLQuery.decode(Array(head.path.utf8).map { $0 == UInt8(ascii: "+") ? 0x2B : $0 })
        var query: [String: String] = [:]
        for (name, value) in URLQuery.parse(Array(head.query.utf8)) { query[name] = value }
        if servesPages, let page = try page(path, head: head) {
            try respond(
                status: page.status, contentType: page.contentType, body: page.body, keepAlive: true,
                headOnly: head.method == "HEAD")
            return true
        }
        if formats.contains(.hls) && path.hasPrefix("/hls/") {
            var parts = path.dropFirst(5).split(separator: "/").map(String.init)
            if let requested = parts.first {
                let admission = self.admission(format: "HLS", query: query, head: head)
                guard let stream = admission.admit(StreamName.sanitize(requested)), admission.play(stream) else {
                    try respond(status: "403 Forbidden", body: "Access to \(requested) was refused\n", keepAlive: false)
                    return false
                }
                parts[0] = stream
                let stats = ConnectionStats.open(
                    connection, stream: stream, host: peerHost, connector: "HLS", token: admission.token)
                defer { ConnectionStats.close(stats) }
                let response = HLSOutput.respond(parts, query: query, logger: logger)
                try respond(
                    status: response.status, contentType: response.contentType, body: response.body, keepAlive: true,
                    headOnly: head.method == "HEAD")
                return true
            }
            let response = HLSOutput.respond(parts, query: query, logger: logger)
            try respond(
                status: response.status, contentType: response.contentType, body: response.body, keepAlive: true,
                headOnly: head.method == "HEAD")
            return true
        }
        if servesPages && path.hasPrefix("/") {
            for suffix in [".srt", ".vtt", ".webvtt"] where path.hasSuffix(suffix) {
                let stream = StreamName.sanitize(String(path.dropFirst().dropLast(suffix.count)))
                return try serveSubtitles(stream, webVTT: suffix != ".srt", head: head, query: query)
            }
        }
        for (format, suffix) in [(HTTPFormat.ts, ".ts"), (.flv, ".flv"), (.mp4, ".mp4")]
        where formats.contains(format) && path.hasSuffix(suffix) && path.hasPrefix("/") {
            let stream = StreamName.sanitize(String(path.dropFirst().dropLast(suffix.count)))
            switch format {
            case .ts: return try serveTS(stream, head: head, query: query)
            case .flv: return try serveFLV(stream, head: head, query: query)
            default: return try serveMP4(stream, head: head, query: query)
            }
        }
        try respond(status: "404 Not Found", body: "Nothing is served at \(head.path)\n", keepAlive: true)
        return true
    }

    /// Opens a stream for a viewer of `format` with the viewer's track selectors and window
    /// (`start=` seeks there), after the play triggers; a refused viewer gets 403 and a stream
    /// that cannot be opened (nor its DEFAULT_STREAM) 404 here (nil). `stream` in the result is
    /// the name actually played.
    func open(
        _ requested: String, format: String, videoCodecs: Set<String> = ["H264", "HEVC"], audioCodecs: Set<String>,
        allowingNone: Bool = false, query: [String: String], head: HTTPRequestHead
    ) throws -> (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?, stream: String)? {
        let admission = self.admission(format: format, query: query, head: head)
        guard let stream = admission.admit(requested) else {
            logger.mist(.info, "\(format) of \(requested) for \(connection.peer) refused by a trigger")
            try respond(status: "403 Forbidden", body: "Access to \(requested) was refused\n", keepAlive: false)
            return nil
        }
        var name = stream
        let opened: (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?)
        do {
            opened = try TrackChoice.open(
                name, videoCodecs: videoCodecs, audioCodecs: audioCodecs, query: query, allowingNone: allowingNone,
                logger: logger)
        } catch {
            var fallback: (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?)?
            let other = admission.fallback(for: name)
            if let other {
                do {
                    fallback = try TrackChoice.open(
                        other, videoCodecs: videoCodecs, audioCodecs: audioCodecs, query: query, logger: logger)
                } catch let failure {
                    logger.mist(.info, "DEFAULT_STREAM \(other) cannot be opened either: \(failure)")
                }
            }
            guard let other, let fallback else {
                logger.mist(.info, "\(format) of \(name) for \(connection.peer) refused: \(error)")
                try respond(
                    status: "404 Not Found", body: "Stream \(name) is not available: \(error)\n", keepAlive: true)
                return nil
            }
            logger.mist(.info, "\(format) of \(name) for \(connection.peer) plays \(other) instead (DEFAULT_STREAM)")
            name = other
            opened = fallback
        }
        guard admission.play(name) else {
            try respond(status: "403 Forbidden", body: "Playback of \(name) was refused\n", keepAlive: false)
            return nil
        }
        let stats = ConnectionStats.open(
            connection, stream: name, host: peerHost, connector: admission.connector, token: admission.token)
        playing = (admission, name, stats)
        try PlaybackWindow(query: query).seek(
            opened.reader, selected: [opened.video, opened.audio].compactMap { $0?.index })
        return (opened.reader, opened.video, opened.audio, name)
    }

    /// The play triggers' view of this request: viewer address, connector, URL and token.
    func admission(format: String, query: [String: String], head: HTTPRequestHead) -> PlayAdmission {
        let connectors = ["HTTP-TS": "HTTPTS", "HTTP-FLV": "FLV", "MP4": "MP4", "HLS": "HLS"]
        return PlayAdmission(
            host: peerHost, connector: connectors[format] ?? format,
            url: "http://\(head.header("host") ?? "localhost")\(head.target)",
            token: ViewerSession.token(query: query, userAgent: head.header("user-agent") ?? ""), logger: logger)
    }

    /// The client's address without its port.
    var peerHost: String {
        var host = String(connection.peer[..<(connection.peer.lastIndex(of: ":") ?? connection.peer.endIndex)])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// Hands the connection to the fan-out group serving live `stream` as `format` with `tracks`
    /// (starting one if needed); a HEAD request gets the response head only.
    func joinFanOut(
        _ stream: String, format: String, contentType: String, _ reader: StreamReader, _ tracks: [StreamTrack],
        _ head: HTTPRequestHead, muxer: () throws -> any LiveMuxer
    ) throws -> Bool {
        let chunked = head.version == "HTTP/1.1"
        let text = streamingHead(contentType: contentType, chunked: chunked)
        if head.method == "HEAD" {
            try connection.send(Array(text.utf8))
            return false
        }
        logger.mist(.info, "\(format) viewer \(connection.peer) plays live \(stream)")
        var onClose: (@Sendable () -> Void)?
        if let playing {
            let admission = playing.admission
            let name = playing.stream
            let stats = playing.stats
            onClose = {
                admission.close(name)
                ConnectionStats.close(stats)
            }
        }
        try LiveFanOutRegistry.join(
            stream: stream, format: format, reader: reader, tracks: tracks, connection: connection,
            responseHead: Array(text.utf8), chunked: chunked, logger: logger, onClose: onClose, muxer: muxer)
        handedOff = true
        return false
    }

    /// The head of a response that streams until the stream or the connection ends.
    func streamingHead(contentType: String, chunked: Bool) -> String {
        var text = "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\n"
        if chunked { text += "Transfer-Encoding: chunked\r\n" }
        text += "Connection: close\r\n" + HTTPSession.corsHeaders + "\r\n"
        return text
    }

    /// Hands `body` every packet of `tracks` (video from its first keyframe on) until the stream
    /// ends or passes `stop`. When nothing arrives within `wait()` milliseconds, `idle` runs and
    /// a viewer that left is noticed.
    func forEachPacket(
        _ reader: StreamReader, tracks: [StreamTrack], stop: UInt64? = nil, wait: () -> Int,
        idle: () throws -> Void, _ body: (Int, DTSCPacket, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var sawVideoKey = !tracks.contains { $0.info.type == "video" }
        while true {
            switch try reader.next(timeoutMilliseconds: wait()) {
            case .end:
                return
            case .timeout:
                try idle()
                if connection.peerHasClosed() { throw NetworkError.closed }
            case .packet(let packet):
                if let stop, packet.time > stop { return }
                guard let data = packet.data,
                    let position = tracks.firstIndex(where: { $0.index == Int(packet.trackID) })
                else { continue }
                if tracks[position].info.type == "video" && !sawVideoKey {
                    guard packet.isKeyframe else { continue }
                    sawVideoKey = true
                }
                try body(position, packet, data)
            }
        }
    }

    func respond(status: String, body: String, keepAlive: Bool) throws {
        try respond(status: status, contentType: "text/plain", body: Array(body.utf8), keepAlive: keepAlive)
    }

    func respond(
        status: String, contentType: String, body: [UInt8], keepAlive: Bool, headOnly: Bool = false,
        extraHeaders: String = ""
    ) throws {
        var text = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        text += HTTPSession.corsHeaders + extraHeaders
        text += "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        try connection.send(Array(text.utf8) + (headOnly ? [] : body))
    }
}
