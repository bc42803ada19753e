import Logging
import MistCore
import MistData
import MistNet
import MistShm
import MistStream

#if canImport(Glibc)
    import Glibc
#endif

/// How an output that accepts a push reaches the stream's buffer input: over the stream's local
/// push socket, starting MistInBuffer first when none runs yet. Under a controller only pushes
/// its configuration allows are taken; run without one (by hand, in tests) every push is.
public enum BufferPushClient {
    public enum Refusal: Error, CustomStringConvertible {
        case refused(String)
        /// The buffer answered the new push with this reason instead of taking it.
        case notAccepted(String)
        /// The buffer's connection closed before it could be handed on.
        case bufferLeft

        public var description: String {
            switch self {
            case .refused(let reason): return "push refused: \(reason)"
            case .notAccepted(let reason): return reason
            case .bufferLeft: return "the buffer left"
            }
        }
    }

    /// A publisher's way in, as the event-loop outputs take it over: `connect`, then the buffer's
    /// acceptance, then the socket detached for a channel (the caller owns the descriptor).
    static func open(stream: String, peerHost: String, password: String?, keyed: Bool = false, logger: Logger) throws
        -> Int32
    {
        let target = try connect(stream: stream, peerHost: peerHost, password: password, keyed: keyed, logger: logger)
        if let reason = awaitAcceptance(target) {
            target.close()
            throw Refusal.notAccepted(reason)
        }
        guard let descriptor = target.detach() else { throw Refusal.bufferLeft }
        return descriptor
    }

    /// `keyed`: the publisher named a stream key, which stands in for the `push://` rules (a
    /// configured stream must still take pushes; one that is not configured gets a buffer).
    public static func connect(
        stream: String, peerHost: String, password: String? = nil, keyed: Bool = false, logger: Logger
    ) throws -> TCPConnection {
        let name = StreamPageNames.pushSocket(stream)
        if StreamStarter.controllerIsRunning {
            let configuration = StreamStarter.configuration(of: stream)
            let reason: String?
            if keyed {
                let source = configuration?["source"].asString ?? "push://"
                reason =
                    source.hasPrefix("push://")
                    ? nil : "stream \(stream) does not take pushes (its source is \(source))"
            } else {
                reason = PushPolicy.refusal(
                    stream: stream, configuration: configuration, peerHost: peerHost, password: password)
            }
            if let reason {
                logger.mist(.warn, "Refusing a push from \(peerHost): \(reason)")
                throw Refusal.refused(reason)
            }
        }
        if let connection = try? LocalListener.connect(name: name) { return connection }
        if StreamStarter.controllerIsRunning {
            try StreamStarter.start(
                stream, source: "push://", isProvider: true, timeoutSeconds: 10, keyOnly: keyed, logger: logger)
        } else {
            let binary = ChildProcess.ownDirectory() + "MistInBuffer"
            let pid = try ChildProcess.spawn(binary, arguments: ["-s", stream])
            // The buffer outlives this connection; a thread reaps it (SIGCHLD stays as it is, so
            // the process's other children still report their exit status).
            ChildProcess.reapWhenDone(pid)
            logger.mist(.info, "Started MistInBuffer (pid \(pid)) for \(stream)")
        }
        var lastError: Error = NetworkError.timeout
        for attempt in 0..<250 {
            do {
                return try LocalListener.connect(name: name)
            } catch {
                lastError = error
                // A buffer waiting without a push socket (MistServer's) is fed through its pages.
                if attempt >= 25, StreamStatus.current(of: stream) == .waiting,
                    let bridge = PagePushBridge.open(stream: stream, logger: logger)
                {
                    return bridge
                }
                usleepMilliseconds(20)
            }
        }
        throw lastError
    }

    /// Waits for the buffer's first answer on a new push connection: nil when it takes the
    /// source, else its reason (a busy stream, or no answer within `seconds`).
    public static func awaitAcceptance(_ connection: TCPConnection, seconds: Double = 15) -> String? {
        var answer: [UInt8] = []
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            _ = try? connection.receive(into: &answer, limit: 4096, timeoutMilliseconds: 100)
            guard answer.count >= 8 else { continue }
            let length = answer[4..<8].reduce(0) { $0 << 8 | Int($1) }
            guard answer.count >= 8 + length else { continue }
            let reply = answer[0..<(8 + length)].withUnsafeBytes { raw in try? DTSCPacket(raw).json() }
            guard let reply else { return "the stream's buffer sent something unreadable" }
            return reply["cmd"].asString == "ok" ? nil : reply["msg"].asString
        }
        return "the stream's buffer did not answer"
    }
}
