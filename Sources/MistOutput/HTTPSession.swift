import Logging
import MistCore
import MistData
import MistMedia
import MistNet
import MistShm
import MistStream

/// One request to MistOutHTTP (or a single-format `MistOut<Format>`), answered by URL as
/// MistServer's HTTP handler does, on the blocking pool (triggers and inputs started on demand
/// are waited for there). Live progressive viewers are handed to a fan-out group and other
/// streams to a pump, both of which then run on the connection's event loop.
/// Owned by one thread at a time: the pool while answering, then the loop.
final class HTTPSession: @unchecked Sendable {
    let connection: ChannelConnection
    let logger: Logger
    /// The formats this process serves; MistOutHTTP serves all of them plus the stream info,
    /// the player and the embed pages.
    let formats: Set<HTTPFormat>
    var servesPages: Bool { formats.count == HTTPFormat.allCases.count }
    /// The body that goes on after the answer, if any: it owns CONN_CLOSE from then on.
    var streaming: (any StreamingBody)?
    /// The WebSocket session this request's connection becomes, if it asked for one: it owns
    /// CONN_CLOSE from then on.
    var upgraded: (any WebSocketSession)?
    /// The stream this request plays and its triggers, for CONN_CLOSE when it ends.
    var playing: (admission: PlayAdmission, stream: String, stats: Int)?
    /// The viewer's session token for this request (`tknMode`'s sources, else the connection's),
    /// set by `takeRequest`.
    var token = ""
    /// The `Set-Cookie` line every answer to this request carries (the viewer's token, when
    /// `tknMode` writes cookies).
    var cookie: String { ViewerSession.cookieHeader(token: token) }
    /// The viewer's address as a trusted proxy forwards it, for this request.
    var forwardedHost: String?
    /// The request's User-Agent (for the session's `UA:` tag).
    var userAgent = ""
    /// The cross-origin and caching headers MistServer sends with every answer, so players on
    /// other origins can read streams, ranges and info.
    static let corsHeaders =
        "Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\n"
        + "Access-Control-Expose-Headers: *\r\nAccess-Control-Max-Age: 600\r\n"
        + "Access-Control-Allow-Methods: GET, POST, OPTIONS, HEAD, DELETE, PATCH\r\nAccess-Control-Allow-Headers: *\r\n"
        + "Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\nExpires: 0\r\n"

    /// How long an idle keep-alive connection stays open.
    static let idleSeconds = 30.0
    /// The largest request body taken (and dropped: no URL here uses one).
    static let maximumBody = 1 << 20

    /// The WebRTC sessions this process answers signalling for, if any.
    let webRTC: WebRTCService?
    /// The request's body, for the URLs that take one (WHEP's offer).
    var requestBody: [UInt8] = []

    init(
        connection: ChannelConnection, logger: Logger, formats: Set<HTTPFormat> = Set(HTTPFormat.allCases),
        webRTC: WebRTCService? = nil
    ) {
        self.connection = connection
        self.logger = logger
        self.formats = formats
        self.webRTC = webRTC
    }

    /// Answers one request; says what the connection does next.
    func answerRequest(_ head: HTTPRequestHead) -> HTTPAnswer {
        defer { closePlaying() }
        do {
            let keepOpen = try answer(head)
            if let streaming { return .stream(streaming) }
            if let upgraded { return .upgrade(upgraded) }
            return keepOpen && head.keepAlive ? .keepAlive : .close
        } catch {
            logger.mist(.warn, "HTTP connection \(connection.peer) failed: \(error)")
            return .close
        }
    }

    /// CONN_CLOSE for what this connection played, unless a fan-out group now owns it.
    private func closePlaying() {
        if let playing, streaming == nil && upgraded == nil {
            playing.admission.close(playing.stream)
            ConnectionStats.close(playing.stats)
        }
        playing = nil
    }

    /// Answers one request; false when the connection must close afterwards.
    private func answer(_ head: HTTPRequestHead) throws -> Bool {
        takeRequest(head)
        logger.mist(.high, "Received request \(head.method) \(head.target) from \(connection.peer)")
        if let webRTC, let answered = try answerSignalling(head, service: webRTC) { return answered }
        if head.method == "OPTIONS" {
            // A browser's preflight: the CORS headers say what is allowed.
            try respond(status: "200 OK", contentType: "text/plain", body: [], keepAlive: true)
            return true
        }
        guard head.method == "GET" || head.method == "HEAD" else {
            try respond(status: "405 Method Not Allowed", body: "Only GET and HEAD are served here\n", keepAlive: true)
            return true
        }
        let path = head.decodedPath
        let query = head.parameters
        if servesPages && (path.hasPrefix("/json_") || path.hasPrefix("/info_")) && path.hasSuffix(".js")
            && path.count > 9 && WebSocketHandshake.isRequested(head)
        {
            return try serveStreamInfoFeed(StreamName.sanitize(String(path.dropFirst(6).dropLast(3))), head: head)
        }
        if servesPages, let page = try page(path, head: head) {
            try respond(
                status: page.status, contentType: page.contentType, body: page.body, keepAlive: true,
                headOnly: head.method == "HEAD")
            return true
        }
        if formats.contains(.hls) && path.hasPrefix("/hls/") {
            var parts = path.dropFirst(5).split(separator: "/").map(String.init)
            if let requested = parts.first {
                let admission = self.admission(format: "HLS", head: head)
                guard let (stream, stats) = admitHLS(requested, admission) else { return false }
                parts[0] = stream
                defer { ConnectionStats.close(stats) }
                var response = HLSOutput.respond(parts, query: query, logger: logger)
                if parts.last?.hasSuffix(".m3u8") == true,
                    let tokened = tokenedPlaylist(response.body)
                {
                    response.body = tokened
                }
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
        if formats.contains(.cmaf) && path.hasPrefix("/cmaf/") {
            return try serveCMAF(path.dropFirst(6).split(separator: "/").map(String.init), head: head, query: query)
        }
        if servesPages && path.hasPrefix("/") {
            for suffix in [".srt", ".vtt", ".webvtt"] where path.hasSuffix(suffix) {
                let stream = StreamName.sanitize(String(path.dropFirst().dropLast(suffix.count)))
                return try serveSubtitles(stream, webVTT: suffix != ".srt", head: head, query: query)
            }
        }
        if formats.contains(.ebml) && path.hasPrefix("/") && (path.hasSuffix(".mkv") || path.hasSuffix(".webm")) {
            let webm = path.hasSuffix(".webm")
            let stream = StreamName.sanitize(String(path.dropFirst().dropLast(webm ? 5 : 4)))
            return try serveMatroska(stream, webm: webm, head: head, query: query)
        }
        if formats.contains(.mp4) && path.hasPrefix("/") && path.hasSuffix(".mp4")
            && WebSocketHandshake.isRequested(head)
        {
            let stream = StreamName.sanitize(String(path.dropFirst().dropLast(4)))
            return try serveMEWS(stream, head: head, query: query)
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
        let admission = self.admission(format: format, head: head)
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
            connection, stream: name, host: peerHost, connector: admission.connector, token: admission.token,
            url: admission.url, userAgent: userAgent)
        playing = (admission, name, stats)
        try PlaybackWindow(query: query).seek(
            opened.reader, selected: [opened.video, opened.audio].compactMap { $0?.index })
        return (opened.reader, opened.video, opened.audio, name)
    }

    /// The play triggers' view of this request: viewer address, connector, URL and token.
    func admission(format: String, head: HTTPRequestHead) -> PlayAdmission {
        let connectors = ["HTTP-TS": "HTTPTS", "HTTP-FLV": "FLV", "MP4": "MP4", "HLS": "HLS"]
        return PlayAdmission(
            host: peerHost, connector: connectors[format] ?? format,
            url: "http://\(head.header("host") ?? "localhost")\(head.target)",
            token: token, logger: logger)
    }

    /// The viewer's address without its port: the client's, or the one a trusted proxy
    /// forwards (set for each request by `takeRequest`).
    var peerHost: String { forwardedHost ?? connection.peerHost }

    /// What this request says about its viewer beyond the connection: its token and the
    /// address a trusted proxy forwards.
    func takeRequest(_ head: HTTPRequestHead) {
        let forwarded = TrustedProxy.viewer(
            peer: connection.peerHost, realIP: head.header("x-real-ip"), forwardedFor: head.header("x-forwarded-for"),
            logger: logger)
        forwardedHost = forwarded == connection.peerHost ? nil : forwarded
        userAgent = head.header("user-agent") ?? ""
        token = ViewerSession.token(
            query: head.parameters, cookie: head.header("cookie"), authorization: head.header("authorization"),
            generated: connection.generatedToken)
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
            connection.send(Array(text.utf8))
            return false
        }
        logger.mist(.info, "\(format) viewer \(connection.peer) plays live \(stream)")
        let group = try LiveFanOutRegistry.join(
            stream: stream, format: format, reader: reader, tracks: tracks, home: connection.channel.eventLoop,
            logger: logger, muxer: muxer)
        let header = group.header
        let viewer = FanOutViewer(
            connection: connection, chunked: chunked,
            own: Array(text.utf8) + (header.isEmpty ? [] : chunked ? FanOutChunk.frame(header) : header))
        viewer.onClose = playingCloser()
        viewer.onStreamEnd = playingStopper()
        streaming = FanOutBody(group: group, viewer: viewer)
        return false
    }

    /// CONN_STOP for what this request plays, for a body that reaches the stream's end.
    func playingStopper() -> (() -> Void)? {
        guard let playing else { return nil }
        return { playing.admission.stop(playing.stream) }
    }

    /// What ends this request's play triggers and statistics, for a body that outlives it.
    func playingCloser() -> (() -> Void)? {
        guard let playing else { return nil }
        return {
            playing.admission.close(playing.stream)
            ConnectionStats.close(playing.stats)
        }
    }

    /// Streams a body to this viewer from the connection's loop, at the pace it reads.
    func pump(
        _ label: String, stream: String, chunked: Bool, keepAlive: Bool = false,
        produce: @escaping () throws -> ChannelPump.Step
    ) {
        let stopper = playingStopper()
        streaming = ChannelPump(
            connection: connection, chunked: chunked, keepAlive: keepAlive, label: label, stream: stream,
            logger: logger,
            onEnd: playingCloser()
        ) {
            let step = try produce()
            if case .end = step { stopper?() }
            return step
        }
    }

    /// The head of a response that streams until the stream or the connection ends.
    func streamingHead(contentType: String, chunked: Bool) -> String {
        var text = "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\n"
        if chunked { text += "Transfer-Encoding: chunked\r\n" }
        text += "Connection: close\r\n" + HTTPSession.corsHeaders + cookie + "\r\n"
        return text
    }

    /// Hands `body` every packet of `tracks` (video from its first keyframe on) until the stream
    /// ends or passes `stop`, waiting for the input on this (pool) thread: for answers of bounded
    /// size, such as a file's index or subtitles. When nothing arrives within `wait()`
    /// milliseconds, `idle` runs and a viewer that left is noticed.
    func forEachPacket(
        _ reader: StreamReader, tracks: [StreamTrack], stop: UInt64? = nil, wait: () -> Int,
        idle: () throws -> Void, _ body: (Int, DTSCPacket, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var feed = PacketFeed(reader, tracks: tracks, stop: stop)
        while true {
            switch try feed.next(waitMilliseconds: wait()) {
            case .end:
                return
            case .wait:
                try idle()
                if !connection.channel.isActive { throw NetworkError.closed }
            case .packet(let position, let packet, let data):
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
        let text = HTTPSession.responseHead(
            status: status, contentType: contentType, length: body.count, keepAlive: keepAlive,
            extraHeaders: extraHeaders + cookie)
        connection.send(Array(text.utf8) + (headOnly ? [] : body))
    }

    /// The head of a response of `length` bytes, with MistServer's CORS and caching headers.
    static func responseHead(
        status: String, contentType: String, length: Int, keepAlive: Bool, extraHeaders: String = ""
    ) -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(length)\r\n"
            + corsHeaders + extraHeaders + "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
    }

    /// A plain-text answer that ends the connection (a refused request).
    static func refusal(status: String, reason: String) -> [UInt8] {
        let body = reason + "\n"
        return Array(
            (responseHead(status: status, contentType: "text/plain", length: body.utf8.count, keepAlive: false) + body)
                .utf8)
    }
}
