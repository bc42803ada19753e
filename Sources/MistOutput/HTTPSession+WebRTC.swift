import MistCore
import MistNet
import MistStream

/// WHEP and WHIP signalling (RFC 9725, RFC 9725's sibling for ingest): `POST /whep/<stream>` (a
/// viewer) or `POST /whip/<stream>` (a publisher) with an SDP offer answers `201 Created` with the
/// SDP answer and the session's URL in `Location`; `DELETE` on that URL ends the session and
/// `PATCH` (trickle ICE) is accepted and ignored, since an ICE-lite server needs no candidates of
/// the peer's. `/webrtc/<stream>` takes a WHEP POST as well (MistServer's URL for it).
extension HTTPSession {
    /// Whether a request's body is read: WHEP offers and patches.
    static func takesBody(_ head: HTTPRequestHead) -> Bool {
        (head.method == "POST" || head.method == "PATCH") && signallingPath(head.decodedPath) != nil
    }

    /// `(stream, session id, whether it is WHIP)` of a signalling URL.
    static func signallingPath(_ path: String) -> (stream: String, session: String?, ingest: Bool)? {
        for prefix in ["/whep/", "/webrtc/", "/whip/"] where path.hasPrefix(prefix) {
            let parts = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: true)
            guard let stream = parts.first, parts.count <= 2 else { return nil }
            return (String(stream), parts.count == 2 ? String(parts[1]) : nil, prefix == "/whip/")
        }
        return nil
    }

    /// Answers a signalling request; nil when the URL is not one.
    func answerSignalling(_ head: HTTPRequestHead, service: WebRTCService) throws -> Bool? {
        guard let (requested, session, ingest) = Self.signallingPath(head.decodedPath) else { return nil }
        if head.method == "GET", session == nil, !ingest, WebSocketHandshake.isRequested(head) {
            return try serveWebRTCSignalling(StreamName.sanitize(requested), head: head, service: service)
        }
        switch (head.method, session) {
        case ("OPTIONS", _):
            try respond(
                status: "204 No Content", contentType: "text/plain", body: [], keepAlive: true,
                extraHeaders: "Accept-Post: application/sdp\r\n" + service.settings.iceLinkHeaders)
        case ("POST", nil):
            let type = head.header("content-type")?.lowercased() ?? ""
            guard type.hasPrefix("application/sdp") else {
                try respond(
                    status: "415 Unsupported Media Type", body: "WHEP and WHIP take an application/sdp offer\n",
                    keepAlive: true)
                return true
            }
            let stream = StreamName.sanitize(requested)
            let offer = String(decoding: requestBody, as: UTF8.self)
            let url = "http://\(head.header("host") ?? "localhost")\(head.target)"
            let local = connection.channel.localAddress?.ipAddress ?? "127.0.0.1"
            if ingest {
                // A stream key or password: `?pass=`, or WHIP's bearer token.
                var password = head.parameters["pass"] ?? ""
                if password.isEmpty, let authorization = head.header("authorization"),
                    authorization.lowercased().hasPrefix("bearer ")
                {
                    password = String(authorization.dropFirst(7))
                }
                let outcome = service.publish(
                    offer: offer, requested: stream, password: password, url: url, peerHost: peerHost, token: token,
                    localHost: local, userAgent: userAgent, logger: logger)
                try answerOffer(outcome, path: "/whip/", stream: stream, service: service)
                return true
            }
            let admission = admission(format: "WebRTC", head: head)
            let outcome = service.answer(
                offer: offer, requested: stream, query: head.parameters, admission: admission, localHost: local,
                url: url, userAgent: userAgent, logger: logger)
            try answerOffer(outcome, path: "/whep/", stream: stream, service: service)
        case ("DELETE", let id?):
            if service.end(id) {
                try respond(status: "200 OK", body: "", keepAlive: true)
            } else {
                try respond(status: "404 Not Found", body: "no such session\n", keepAlive: true)
            }
        case ("PATCH", let id?):
            if service.has(id) {
                try respond(status: "204 No Content", contentType: "text/plain", body: [], keepAlive: true)
            } else {
                try respond(status: "404 Not Found", body: "no such session\n", keepAlive: true)
            }
        default:
            try respond(
                status: "405 Method Not Allowed", body: "WHEP and WHIP take POST, PATCH and DELETE\n", keepAlive: true)
        }
        return true
    }

    /// `/webrtc/<stream>` as a WebSocket: MistServer's signalling, each offer answered as a WHEP
    /// or WHIP offer for the stream would be.
    private func serveWebRTCSignalling(_ stream: String, head: HTTPRequestHead, service: WebRTCService) throws -> Bool {
        let handshake: [UInt8]
        do {
            handshake = try WebSocketHandshake.response(to: head)
        } catch {
            try respond(status: "400 Bad Request", body: "Not a WebSocket handshake: \(error)\n", keepAlive: false)
            return false
        }
        connection.send(handshake)
        let admission = admission(format: "WebRTC", head: head)
        let (url, local, query) = (
            "http://\(head.header("host") ?? "localhost")\(head.target)",
            connection.channel.localAddress?.ipAddress ?? "127.0.0.1", head.parameters
        )
        let (peerHost, token, userAgent, logger) = (peerHost, token, userAgent, logger)
        upgraded = WebRTCSignallingSession(connection: connection, service: service, logger: logger) { sdp, publishes in
            if publishes {
                return service.publish(
                    offer: sdp, requested: stream, password: query["pass"] ?? "", url: url, peerHost: peerHost,
                    token: token, localHost: local, userAgent: userAgent, logger: logger)
            }
            return service.answer(
                offer: sdp, requested: stream, query: query, admission: admission, localHost: local, url: url,
                userAgent: userAgent, logger: logger)
        }
        return false
    }

    /// `201 Created` with the answer and the session's URL, or the refusal.
    private func answerOffer(_ outcome: WebRTCService.Outcome, path: String, stream: String, service: WebRTCService)
        throws
    {
        switch outcome {
        case .answered(let sdp, let id):
            let location = service.settings.controlPrefix + path + "\(URLQuery.encode(stream))/\(id)"
            try respond(
                status: "201 Created", contentType: "application/sdp", body: Array(sdp.utf8), keepAlive: true,
                extraHeaders: "Location: \(location)\r\n" + service.settings.iceLinkHeaders)
        case .refused(let status, let reason):
            logger.mist(.info, "WebRTC offer (\(path)\(stream)) from \(peerHost) refused: \(reason)")
            try respond(status: status, body: reason + "\n", keepAlive: true)
        }
    }
}
