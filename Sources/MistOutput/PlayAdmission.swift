import Logging
import MistCore
import MistStream

/// The triggers around one viewer's request to play a stream, in MistServer's order:
/// PLAY_REWRITE (another stream name), CONN_OPEN and USER_NEW (may refuse), DEFAULT_STREAM when
/// the stream cannot be opened, CONN_PLAY once it is, CONN_CLOSE at the end.
struct PlayAdmission: Sendable {
    let host: String
    /// MistServer's connector name (`HTTPTS`, `HLS`, `RTMP` ...).
    let connector: String
    let url: String
    let token: String
    let logger: Logger

    func payload(_ stream: String) -> String { "\(stream)\n\(host)\n\(connector)\n\(url)" }

    /// The stream to play (possibly rewritten), or nil when a trigger refused.
    func admit(_ requested: String) -> String? {
        var stream = requested
        if Triggers.isActive("PLAY_REWRITE", stream: stream) {
            let answer = Triggers.rewrite(
                "PLAY_REWRITE", stream: stream, payload: payload(stream), current: stream, logger: logger)
            stream = StreamName.sanitize(answer)
            guard !stream.isEmpty else { return nil }
        }
        guard Triggers.allow("CONN_OPEN", stream: stream, payload: payload(stream), logger: logger) else { return nil }
        guard
            ViewerSession.admit(
                stream: stream, host: host, token: token, connector: connector, url: url, logger: logger)
        else { return nil }
        return stream
    }

    /// Whether `admit` and `play` for `stream` would answer without waiting for a trigger
    /// handler (none that blocks applies, or USER_NEW's answer for this session is kept), so an
    /// event loop may ask them itself.
    func answersAtOnce(_ stream: String) -> Bool {
        !Triggers.isActive("PLAY_REWRITE", stream: stream) && !Triggers.waitsForAnswer("CONN_OPEN", stream: stream)
            && !Triggers.waitsForAnswer("CONN_PLAY", stream: stream)
            && ViewerSession.answersAtOnce(stream: stream, host: host, token: token, connector: connector)
    }

    /// Another stream to try when `stream` cannot be opened, MistServer's way: the stream's own
    /// `fallback_stream`, else the server's `defaultStream`, which DEFAULT_STREAM may replace (its
    /// first line is the configured default). Variables (`$stream` ...) are filled in.
    func fallback(for stream: String) -> String? {
        if let configured = StreamStarter.configuration(of: stream)?["fallback_stream"].stringValue,
            !configured.isEmpty
        {
            let other = StreamName.sanitize(StreamVariables.substitute(configured, stream: stream))
            logger.mist(.info, "Switching \(stream) to its fallback stream '\(configured)' -> '\(other)'")
            if !other.isEmpty && other != stream { return other }
        }
        var target = Triggers.setting("defaultStream").asString
        if Triggers.isActive("DEFAULT_STREAM", stream: stream) {
            target = Triggers.rewrite(
                "DEFAULT_STREAM", stream: stream, payload: "\(target)\n\(stream)\n\(host)\n\(connector)\n\(url)",
                current: target, logger: logger)
        }
        let other = StreamName.sanitize(StreamVariables.substitute(target, stream: stream))
        logger.mist(.medium, "Default stream for \(stream): \(other.isEmpty ? "none" : other)")
        return other.isEmpty || other == stream ? nil : other
    }

    /// CONN_PLAY: whether playback of the opened stream may begin.
    func play(_ stream: String) -> Bool {
        Triggers.allow("CONN_PLAY", stream: stream, payload: payload(stream), logger: logger)
    }

    /// CONN_STOP, when playback reaches the end of the stream (the connection may stay).
    func stop(_ stream: String) {
        Triggers.notify("CONN_STOP", stream: stream, payload: "\(stream)\n\(host)\n\(connector)\n", logger: logger)
    }

    /// CONN_CLOSE, when the viewer's connection ends.
    func close(_ stream: String) {
        Triggers.notify("CONN_CLOSE", stream: stream, payload: payload(stream), logger: logger)
    }
}
