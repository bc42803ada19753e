import MistCore
import MistMedia
import MistNet
import MistStream
import NIOCore

extension HTTPSession {
    /// Answers a request for an HLS or CMAF playlist or segment on the connection's event loop,
    /// from `HLSLiveCache`, when nothing about it would wait: the answer is cached and still
    /// right, and no trigger handler that is waited for applies (the triggers that do fire run
    /// in the background, as on the pool). Nil: the request goes to the blocking pool.
    func answerFromCache(_ head: HTTPRequestHead) -> HTTPAnswer? {
        guard head.method == "GET" || head.method == "HEAD" else { return nil }
        let path = head.decodedPath
        let format: String
        var parts: [String]
        let key: String
        if formats.contains(.hls) && path.hasPrefix("/hls/") {
            parts = path.dropFirst(5).split(separator: "/").map(String.init)
            guard parts.count == 3 else { return nil }
            parts[0] = StreamName.sanitize(parts[0])
            format = "HLS"
            key = HLSLiveCache.key(stream: parts[0], tracks: parts[1], file: parts[2])
        } else if formats.contains(.cmaf) && path.hasPrefix("/cmaf/") {
            parts = path.dropFirst(6).split(separator: "/").map(String.init)
            guard parts.count == 2 || parts.count == 3 else { return nil }
            parts[0] = StreamName.sanitize(parts[0])
            format = "CMAF"
            guard let cmafKey = CMAFOutput.cacheKey(parts, query: head.parameters) else { return nil }
            key = cmafKey
        } else {
            return nil
        }
        let stream = parts[0]
        guard let cached = HLSLiveCache.shared.answer(key) else { return nil }
        takeRequest(head)
        let admission = self.admission(format: format, head: head)
        guard admission.answersAtOnce(stream) else { return nil }
        guard let (_, stats) = admitHLS(stream, admission, connector: format) else { return .close }
        var body = cached.body
        if parts.last?.hasSuffix(".m3u8") == true, let tokened = tokenedPlaylist(Array(buffer: body)) {
            body = connection.channel.allocator.buffer(bytes: tokened)
        }
        let text = HTTPSession.responseHead(
            status: "200 OK", contentType: cached.contentType, length: body.readableBytes, keepAlive: true,
            extraHeaders: cookie)
        connection.send(Array(text.utf8), body: head.method == "HEAD" ? nil : body)
        ConnectionStats.close(stats)
        return head.keepAlive ? .keepAlive : .close
    }

    /// A playlist as this viewer gets it when `tknMode` writes tokens into URLs: its token in
    /// every URI, so the player's later requests join its session. Nil when it stays as it is.
    func tokenedPlaylist(_ playlist: [UInt8]) -> [UInt8]? {
        guard ViewerSession.writesTokensIntoURLs, !token.isEmpty else { return nil }
        return HLSPlaylist.addingQuery(playlist, Array(("tkn=" + TextEscaping.urlQueryValue(token)).utf8))
    }

    /// HLS's triggers for a request of `requested` (each request of a player is admitted, as
    /// MistServer's HLS does): the stream to answer and its statistics handle, or nil once a
    /// refusal has been sent.
    func admitHLS(_ requested: String, _ admission: PlayAdmission, connector: String = "HLS") -> (
        stream: String, stats: Int
    )? {
        guard let stream = admission.admit(StreamName.sanitize(requested)), admission.play(stream) else {
            connection.send(HTTPSession.refusal(status: "403 Forbidden", reason: "Access to \(requested) was refused"))
            return nil
        }
        let stats = ConnectionStats.open(
            connection, stream: stream, host: peerHost, connector: connector, token: admission.token,
            url: admission.url,
            userAgent: userAgent)
        return (stream, stats)
    }
}
