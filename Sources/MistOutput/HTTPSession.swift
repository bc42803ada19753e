import Logging
import MistCore
import MistData
import MistMedia
import MistNet
import MistShm
import MistStream

/// One HTTP connection to MistOutHTTP: reads requests and answers them by URL, as MistServer's
/// HTTP handler does. So far it serves `/<stream>.ts` (MPEG-TS, progressive); other URLs get 404.
public final class HTTPSession {
    let connection: TCPConnection
    let logger: Logger
    private var pending: [UInt8] = []
    /// Set once a fan-out group owns the connection: this session must not close it.
    private var handedOff = false

    public init(connection: TCPConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    public func run() {
        defer { if !handedOff { connection.close() } }
        do {
            while true {
                guard let head = try readHead() else { return }
                let keepOpen = try answer(head)
                if !keepOpen || !head.keepAlive { return }
            }
        } catch let error as HTTPRequestHead.Failure {
            logger.mist(.warn, "HTTP client \(connection.peer) sent a bad request: \(error)")
            try? respond(status: "400 Bad Request", body: "\(error)\n", keepAlive: false)
        } catch let error as NetworkError {
            logger.mist(.medium, "HTTP connection \(connection.peer) ended: \(error)")
        } catch {
            logger.mist(.warn, "HTTP connection \(connection.peer) failed: \(error)")
        }
    }

    /// The next request head; nil when the client closed between requests or stayed silent.
    private func readHead() throws -> HTTPRequestHead? {
        var idle = 0
        while true {
            let parsed = try HTTPRequestHead.parse(pending)
            if let parsed {
                pending.removeFirst(parsed.length)
                // Bodies are not used by these URLs; skip one if given.
                let bodyLength = Int(parsed.head.header("content-length") ?? "0") ?? 0
                while pending.count < bodyLength {
                    _ = try connection.receive(into: &pending, timeoutMilliseconds: 10_000)
                }
                pending.removeFirst(min(bodyLength, pending.count))
                return parsed.head
            }
            let received: Int
            do {
                received = try connection.receive(into: &pending, timeoutMilliseconds: 1000)
            } catch {
                return nil
            }
            if received == 0 {
                idle += 1
                if idle >= 30 { return nil }
            }
        }
    }

    /// Answers one request; false when the connection must close afterwards.
    private func answer(_ head: HTTPRequestHead) throws -> Bool {
        guard head.method == "GET" || head.method == "HEAD" else {
            try respond(status: "405 Method Not Allowed", body: "Only GET and HEAD are served here\n", keepAlive: true)
            return true
        }
        let path = URLQuery.decode(Array(head.path.utf8).map { $0 == UInt8(ascii: "+") ? 0x2B : $0 })
        var query: [String: String] = [:]
        for (name, value) in URLQuery.parse(Array(head.query.utf8)) { query[name] = value }
        if (path.hasPrefix("/json_") || path.hasPrefix("/info_")) && path.hasSuffix(".js") {
            let stream = StreamName.sanitize(String(path.dropFirst(6).dropLast(3)))
            // X-Mst-Path (a proxy's public base URL) replaces this server's own address in the sources.
            var base = head.header("x-mst-path") ?? "http://\(head.header("host") ?? "localhost")/"
            if !base.hasSuffix("/") { base += "/" }
            let info = JSONWriter.compact(StreamInfo.json(stream: stream, baseURL: base, logger: logger))
            // info_ wraps the object in script that stores it for the embeddable player.
            let body =
                path.hasPrefix("/json_")
                ? info
                : "// Generating info code for stream \(stream)\nif (!mistvideo) { var mistvideo = {}; }\n"
                    + "mistvideo['\(stream)'] = \(info);\n"
            try respond(
                status: "200 OK", contentType: path.hasPrefix("/json_") ? "application/json" : "application/javascript",
                body: Array(body.utf8), keepAlive: true, headOnly: head.method == "HEAD")
            return true
        }
        if path.hasPrefix("/hls/") {
            let parts = path.dropFirst(5).split(separator: "/").map(String.init)
            let response = HLSOutput.respond(parts, query: query, logger: logger)
            try respond(
                status: response.status, contentType: response.contentType, body: response.body, keepAlive: true,
                headOnly: head.method == "HEAD")
            return true
        }
        if path.hasSuffix(".mp4") && path.hasPrefix("/") {
            return try serveMP4(StreamName.sanitize(String(path.dropFirst().dropLast(4))), head: head, query: query)
        }
        if path.hasSuffix(".flv") && path.hasPrefix("/") {
            return try serveFLV(StreamName.sanitize(String(path.dropFirst().dropLast(4))), head: head, query: query)
        }
        if path == "/crossdomain.xml" {
            let policy =
                "<?xml version=\"1.0\"?><!DOCTYPE cross-domain-policy SYSTEM "
                + "\"http://www.adobe.com/xml/dtds/cross-domain-policy.dtd\"><cross-domain-policy>"
                + "<allow-access-from domain=\"*\" /><site-control permitted-cross-domain-policies=\"all\"/>"
                + "</cross-domain-policy>"
            try respond(
                status: "200 OK", contentType: "text/xml", body: Array(policy.utf8), keepAlive: true,
                headOnly: head.method == "HEAD")
            return true
        }
        if path.hasSuffix(".ts") && path.hasPrefix("/") {
            let stream = StreamName.sanitize(String(path.dropFirst().dropLast(3)))
            return try serveTS(stream, head: head, query: query)
        }
        try respond(status: "404 Not Found", body: "Nothing is served at \(head.path)\n", keepAlive: true)
        return true
    }

    private func serveTS(_ stream: String, head: HTTPRequestHead, query: [String: String]) throws -> Bool {
        guard let opened = try open(stream, format: "HTTP-TS", audioCodecs: ["AAC", "MP3"], query: query) else {
            return true
        }
        let tracks = [opened.video, opened.audio].compactMap { $0 }
        if opened.reader.isLive {
            return try joinFanOut(stream, format: "HTTP-TS", contentType: "video/mpeg", opened.reader, tracks, head) {
                try TSLiveMuxer(tracks: tracks)
            }
        }
        var muxer = try TSMuxer(tracks: tracks.map { TSMuxer.Track(codec: $0.info.codec, initData: $0.info.initData) })
        try sendStreamingHeaders(contentType: "video/mpeg")
        if head.method == "HEAD" { return false }
        logger.mist(.info, "HTTP-TS viewer \(connection.peer) plays \(stream)")
        var out = muxer.programTables()
        var sinceTables = 0
        try forEachPacket(
            opened.reader, tracks: tracks, wait: { out.isEmpty ? 500 : 0 },
            idle: {
                if !out.isEmpty {
                    try connection.send(out, timeoutMilliseconds: 30_000)
                    out.removeAll(keepingCapacity: true)
                }
            }
        ) { position, packet, data in
            sinceTables += 1
            if tracks[position].info.type == "video" && packet.isKeyframe && sinceTables > 1 {
                out += muxer.programTables()
                sinceTables = 0
            }
            out += try muxer.frame(
                track: position, time: packet.time, offset: packet.offset, keyframe: packet.isKeyframe, data: data)
            if out.count >= 64 * 1024 {
                try connection.send(out, timeoutMilliseconds: 30_000)
                out.removeAll(keepingCapacity: true)
            }
        }
        try connection.send(out)
        return false
    }

    /// Opens a stream for a viewer of `format` with the viewer's track selectors; a stream that
    /// cannot be opened gets its 404 here (nil).
    private func open(
        _ stream: String, format: String, videoCodecs: Set<String> = ["H264", "HEVC"], audioCodecs: Set<String>,
        query: [String: String]
    ) throws -> (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?)? {
        do {
            return try TrackChoice.open(
                stream, videoCodecs: videoCodecs, audioCodecs: audioCodecs, query: query, logger: logger)
        } catch {
            logger.mist(.info, "\(format) of \(stream) for \(connection.peer) refused: \(error)")
            try respond(status: "404 Not Found", body: "Stream \(stream) is not available: \(error)\n", keepAlive: true)
            return nil
        }
    }

    /// Hands the connection to the fan-out group serving live `stream` as `format` with `tracks`
    /// (starting one if needed); a HEAD request gets the response head only.
    private func joinFanOut(
        _ stream: String, format: String, contentType: String, _ reader: StreamReader, _ tracks: [StreamTrack],
        _ head: HTTPRequestHead, muxer: () throws -> any LiveMuxer
    ) throws -> Bool {
        let chunked = head.version == "HTTP/1.1"
        var text = "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\n"
        if chunked { text += "Transfer-Encoding: chunked\r\n" }
        text += "Connection: close\r\nAccess-Control-Allow-Origin: *\r\nCache-Control: no-cache\r\n\r\n"
        if head.method == "HEAD" {
            try connection.send(Array(text.utf8))
            return false
        }
        logger.mist(.info, "\(format) viewer \(connection.peer) plays live \(stream)")
        try LiveFanOutRegistry.join(
            stream: stream, format: format, reader: reader, tracks: tracks, connection: connection,
            responseHead: Array(text.utf8), chunked: chunked, logger: logger, muxer: muxer)
        handedOff = true
        return false
    }

    /// The head of a response that streams until the connection closes.
    private func sendStreamingHeaders(contentType: String) throws {
        var headers = "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nConnection: close\r\n"
        headers += "Access-Control-Allow-Origin: *\r\nCache-Control: no-cache\r\n\r\n"
        try connection.send(Array(headers.utf8))
    }

    /// Hands `body` every packet of `tracks` (video from its first keyframe on) until the stream
    /// ends. When nothing arrives within `wait()` milliseconds, `idle` runs and a viewer that
    /// left is noticed.
    private func forEachPacket(
        _ reader: StreamReader, tracks: [StreamTrack], wait: () -> Int, idle: () throws -> Void,
        _ body: (Int, DTSCPacket, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var sawVideoKey = !tracks.contains { $0.info.type == "video" }
        while true {
            switch try reader.next(timeoutMilliseconds: wait()) {
            case .end:
                return
            case .timeout:
                try idle()
                var probe: [UInt8] = []
                _ = try connection.receive(into: &probe, limit: 1, timeoutMilliseconds: 0)
            case .packet(let packet):
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

    /// `/<stream>.flv`: the stream as a progressive FLV file (Enhanced FLV for HEVC and AV1).
    private func serveFLV(_ stream: String, head: HTTPRequestHead, query: [String: String]) throws -> Bool {
        guard
            let opened = try open(
                stream, format: "HTTP-FLV", videoCodecs: FLVPlayback.videoCodecs, audioCodecs: FLVPlayback.audioCodecs,
                query: query)
        else { return true }
        let tracks = [opened.video, opened.audio].compactMap { $0 }
        if opened.reader.isLive {
            return try joinFanOut(stream, format: "HTTP-FLV", contentType: "video/x-flv", opened.reader, tracks, head) {
                FLVLiveMuxer(tracks: tracks)
            }
        }
        let playback = FLVPlayback(stream: stream, opened: opened)
        try sendStreamingHeaders(contentType: "video/x-flv")
        if head.method == "HEAD" { return false }
        logger.mist(.info, "HTTP-FLV viewer \(connection.peer) plays \(stream)")
        var out = FLVTag.fileHeader(audio: playback.audio != nil, video: playback.video != nil)
        out += FLVTag(type: FLVTag.script, timestamp: 0, data: playback.metadata().payload).fileBytes
        playback.configurations(sink: FLVPlayback.flvTags, into: &out)
        while !playback.ended {
            if try !playback.pump(sink: FLVPlayback.flvTags, into: &out, budget: 64 * 1024) {
                if out.isEmpty {
                    // Notice a viewer that left while nothing was sent.
                    var probe: [UInt8] = []
                    _ = try connection.receive(into: &probe, limit: 1, timeoutMilliseconds: 20)
                }
            }
            if !out.isEmpty {
                try connection.send(out, timeoutMilliseconds: 30_000)
                out.removeAll(keepingCapacity: true)
            }
        }
        return false
    }

    /// `/<stream>.mp4`: the stream as fragmented MP4 (one fragment per keyframe interval), for
    /// live streams and files alike.
    private func serveMP4(_ stream: String, head: HTTPRequestHead, query: [String: String]) throws -> Bool {
        guard let opened = try open(stream, format: "MP4", audioCodecs: ["AAC"], query: query) else { return true }
        let tracks = [opened.video, opened.audio].compactMap { $0 }
        let mp4Tracks = tracks.map {
            FMP4Writer.Track(
                codec: $0.info.codec, initData: $0.info.initData, width: $0.info.width, height: $0.info.height,
                rate: $0.info.rate, channels: $0.info.channels)
        }
        if !opened.reader.isLive {
            return try serveProgressiveMP4(
                stream, reader: opened.reader, tracks: tracks, mp4Tracks: mp4Tracks, head: head)
        }
        return try joinFanOut(stream, format: "MP4", contentType: "video/mp4", opened.reader, tracks, head) {
            try FMP4LiveMuxer(tracks: tracks)
        }
    }

    /// A file as one progressive MP4 with its index first: one pass over the packets for the
    /// sample tables, a second to send them in the same order.
    private func serveProgressiveMP4(
        _ stream: String, reader: StreamReader, tracks: [StreamTrack], mp4Tracks: [FMP4Writer.Track],
        head: HTTPRequestHead
    ) throws -> Bool {
        func eachSample(_ body: (Int, DTSCPacket, UnsafeRawBufferPointer) throws -> Void) throws {
            try reader.select(tracks.map(\.index))
            try forEachPacket(reader, tracks: tracks, wait: { 5000 }, idle: {}, body)
        }
        var entries: [ProgressiveMP4.Entry] = []
        try eachSample { position, packet, data in
            entries.append(
                .init(
                    track: position, time: packet.time, offset: packet.offset, size: data.count,
                    keyframe: packet.isKeyframe))
        }
        let header = try ProgressiveMP4.header(tracks: mp4Tracks, entries: entries)
        let length = header.count + entries.reduce(0) { $0 + $1.size }
        var text = "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: \(length)\r\n"
        text += "Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n"
        try connection.send(Array(text.utf8))
        if head.method == "HEAD" { return false }
        logger.mist(.info, "MP4 viewer \(connection.peer) downloads \(stream) (\(length) bytes)")
        var out = header
        var sent = 0
        try eachSample { _, _, data in
            guard sent < entries.count else { return }
            out.append(contentsOf: data)
            sent += 1
            if out.count >= 256 * 1024 {
                try connection.send(out, timeoutMilliseconds: 30_000)
                out.removeAll(keepingCapacity: true)
            }
        }
        try connection.send(out, timeoutMilliseconds: 30_000)
        return false
    }

    private func respond(status: String, body: String, keepAlive: Bool) throws {
        try respond(status: status, contentType: "text/plain", body: Array(body.utf8), keepAlive: keepAlive)
    }

    private func respond(
        status: String, contentType: String, body: [UInt8], keepAlive: Bool, headOnly: Bool = false
    ) throws {
        var text = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        text += "Access-Control-Allow-Origin: *\r\nCache-Control: no-cache\r\n"
        text += "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        try connection.send(Array(text.utf8) + (headOnly ? [] : body))
    }
}
