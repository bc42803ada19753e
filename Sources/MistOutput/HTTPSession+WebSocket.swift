import MistCore
import MistNet

extension HTTPSession {
    /// `/<stream>.mp4` asked as a WebSocket: MP4 over WebSocket (MistServer's `ws/video/mp4`),
    /// after the same play triggers and session as progressive MP4.
    func serveMEWS(_ stream: String, head: HTTPRequestHead, query: [String: String]) throws -> Bool {
        guard let handshake = try webSocketHandshake(head),
            let opened = try open(
                stream, format: "MP4", videoCodecs: MEWSSession.videoCodecs, audioCodecs: MEWSSession.audioCodecs,
                query: query, head: head)
        else { return false }
        connection.send(handshake)
        upgraded = MEWSSession(
            connection: connection, reader: opened.reader, stream: opened.stream,
            tracks: [opened.video, opened.audio].compactMap { $0 }, query: query, logger: logger,
            onClose: playingCloser())
        return false
    }

    /// `/json_<stream>.js` asked as a WebSocket: the stream info, sent again on every change.
    func serveStreamInfoFeed(_ stream: String, head: HTTPRequestHead) throws -> Bool {
        guard let handshake = try webSocketHandshake(head) else { return false }
        connection.send(handshake)
        upgraded = StreamInfoFeed(
            connection: connection, stream: stream, baseURL: pageBaseURL(head), token: token, logger: logger)
        return false
    }

    /// The 101 that accepts `head`'s WebSocket handshake; nil once a refusal (400) was sent.
    private func webSocketHandshake(_ head: HTTPRequestHead) throws -> [UInt8]? {
        do {
            return try WebSocketHandshake.response(to: head)
        } catch {
            logger.mist(.warn, "WebSocket request from \(connection.peer) refused: \(error)")
            try respond(status: "400 Bad Request", body: "Not a WebSocket handshake: \(error)\n", keepAlive: false)
            return nil
        }
    }
}
