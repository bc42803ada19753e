import Logging
import MistCore
import MistStream

/// Whether a push that arrives over RTSP or SRT may go into a stream, by the rules RTMP pushes
/// follow too: PUSH_REWRITE may rename (or blank) the stream, STREAM_PUSH may refuse it, then the
/// stream's buffer takes the push (its `push://` host and password rules) and hands over its
/// socket. Runs on the blocking pool.
enum BufferPushAdmission: @unchecked Sendable {
    case rejected(String, bufferLeft: Bool)
    case accepted(stream: String, descriptor: Int32)

    /// `requested` pushed from `peerHost` to `url` over `connector`; errors other than the
    /// buffer's refusals are thrown.
    static func decide(
        requested: String, url: String, peerHost: String, connector: String, password: String, logger: Logger
    ) throws -> BufferPushAdmission {
        // A stream key skips the push rules: it names its stream, and is enough.
        if let keyed = StreamKeys.stream(for: requested, host: peerHost) {
            return try open(keyed, peerHost: peerHost, password: password, keyed: true, logger: logger)
        }
        var stream = requested
        if Triggers.isActive("PUSH_REWRITE") {
            stream = StreamName.sanitize(
                Triggers.rewrite(
                    "PUSH_REWRITE", payload: "\(url)\n\(peerHost)\n\(stream)", current: stream, logger: logger))
        }
        guard !stream.isEmpty else { return .rejected("no stream name", bufferLeft: false) }
        guard
            Triggers.allow(
                "STREAM_PUSH", stream: stream, payload: "\(stream)\n\(peerHost)\n\(connector)\n\(url)", logger: logger)
        else { return .rejected("refused by STREAM_PUSH", bufferLeft: false) }
        return try open(stream, peerHost: peerHost, password: password, keyed: false, logger: logger)
    }

    private static func open(_ stream: String, peerHost: String, password: String, keyed: Bool, logger: Logger)
        throws -> BufferPushAdmission
    {
        do {
            let descriptor = try BufferPushClient.open(
                stream: stream, peerHost: peerHost, password: password, keyed: keyed, logger: logger)
            return .accepted(stream: stream, descriptor: descriptor)
        } catch BufferPushClient.Refusal.notAccepted(let reason) {
            return .rejected(reason, bufferLeft: false)
        } catch BufferPushClient.Refusal.bufferLeft {
            return .rejected("the buffer left", bufferLeft: true)
        }
    }
}
