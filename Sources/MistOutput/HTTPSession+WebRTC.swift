import MistCore
import MistNet
import MistStream

/// WHEP signalling (RFC 9725): `POST /whep/<stream>` with an SDP offer answers `201 Created` with
/// the SDP answer and the session's URL in `Location`; `DELETE` on that URL ends the session and
/// `PATCH` (trickle ICE) is accepted and ignored, since an ICE-lite server needs no candidates of
/// the viewer's. `/webrtc/<stream>` takes a WHEP POST as well.
extension HTTPSession {
    /// Whether a request's body is read: WHEP offers and patches.
    static func takesBody(_ head: HTTPRequestHead) -> Bool {
        (head.method == "POST" || head.method == "PATCH") && signallingPath(head.decodedPath) != nil
    }

    /// `(stream, session id)` of a signalling URL.
    static func signallingPath(_ path: String) -> (stream: String, session: String?)? {
        for prefix in ["/whep/", "/webrtc/"] where path.hasPrefix(prefix) {
            let parts = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: true)
            guard let stream = parts.first, parts.count <= 2 else { return nil }
            return (String(stream), parts.count == 2 ? String(parts[1]) : nil)
        }
        return nil
    }

    /// Answers a signalling request; nil when the URL is not one.
    func answerSignalling(_ head: HTTPRequestHead, service: WebRTCService) throws -> Bool? {
        guard let (requested, session) = Self.signallingPath(head.decodedPath) else { return nil }
        switch (head.method, session) {
        case ("OPTIONS", _):
            try respond(
                status: "204 No Content", contentType: "text/plain", body: [], keepAlive: true,
                extraHeaders: "Accept-Post: application/sdp\r\n")
        case ("POST", nil):
            let type = head.header("content-type")?.lowercased() ?? ""
            guard type.hasPrefix("application/sdp") else {
                try respond(
                    status: "415 Unsupported Media Type", body: "WHEP takes an application/sdp offer\n", keepAlive: true
                )
                return true
            }
            let stream = StreamName.sanitize(requested)
            let admission = admission(format: "WebRTC", head: head)
            let local = connection.channel.localAddress?.ipAddress ?? "127.0.0.1"
            let outcome = service.answer(
                offer: String(decoding: requestBody, as: UTF8.self), requested: stream, query: head.parameters,
                admission: admission, localHost: local,
                url: "http://\(head.header("host") ?? "localhost")\(head.target)", userAgent: userAgent, logger: logger)
            switch outcome {
            case .answered(let sdp, let id):
                let location = service.settings.controlPrefix + "/whep/\(URLQuery.encode(stream))/\(id)"
                try respond(
                    status: "201 Created", contentType: "application/sdp", body: Array(sdp.utf8), keepAlive: true,
                    extraHeaders: "Location: \(location)\r\n")
            case .refused(let status, let reason):
                logger.mist(.info, "WebRTC offer for \(stream) from \(peerHost) refused: \(reason)")
                try respond(status: status, body: reason + "\n", keepAlive: true)
            }
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
            try respond(status: "405 Method Not Allowed", body: "WHEP takes POST, PATCH and DELETE\n", keepAlive: true)
        }
        return true
    }
}
