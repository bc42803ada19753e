import MistCore
import MistMedia
import MistNet
import MistStream

extension HTTPSession {
    /// `/cmaf/<stream>/...`: each request admitted as a viewer of connector CMAF (as HLS
    /// requests are), then answered by `CMAFOutput`; playlists carry the viewer's token.
    func serveCMAF(_ parts: [String], head: HTTPRequestHead, query: [String: String]) throws -> Bool {
        guard var parts = Optional(parts), let requested = parts.first else {
            try respond(status: "404 Not Found", body: "No stream given\n", keepAlive: true)
            return true
        }
        let admission = self.admission(format: "CMAF", head: head)
        guard let stream = admission.admit(StreamName.sanitize(requested)), admission.play(stream) else {
            connection.send(HTTPSession.refusal(status: "403 Forbidden", reason: "Access to \(requested) was refused"))
            return false
        }
        let stats = ConnectionStats.open(
            connection, stream: stream, host: peerHost, connector: "CMAF", token: admission.token, url: admission.url,
            userAgent: userAgent)
        defer { ConnectionStats.close(stats) }
        parts[0] = stream
        var response = CMAFOutput.respond(parts, query: query, logger: logger)
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
}
