import Logging
import MistCore
import MistData
import MistMedia
import MistNet
import MistRTMP
import MistStream

#if canImport(Glibc)
    import Glibc
#endif

/// One RTMP connection: handshake, then the commands of a publisher (connect, createStream,
/// publish, media) or a player (connect, createStream, play, pause, seek), answered as MistServer
/// answers them. Malformed input ends this connection only.
public final class RTMPSession {
    /// Which directions the listener allows: 0 both, 1 playback only, 2 pushes only.
    public struct Settings: Sendable {
        public var acceptable = 0

        public init() {}
    }

    static let chunkSize = 4096
    static let window: UInt32 = 2_500_000

    let connection: TCPConnection
    let logger: Logger
    let settings: Settings
    private var decoder = RTMPChunkDecoder()
    private var encoder = RTMPChunkEncoder()
    private var out: [UInt8] = []
    private var app = ""
    /// The URL the client connected to (`rtmp://host[:port]/app`), for trigger payloads.
    private var tcURL = ""
    /// What this connection plays and its triggers, for CONN_CLOSE.
    private var playing: (admission: PlayAdmission, stream: String)?
    /// This connection's statistics entry.
    private var stats: Int?
    private var peerWindow: UInt64 = 0
    private var acknowledged: UInt64 = 0
    private var ingest: RTMPIngest?
    private var buffer: TCPConnection?
    private var publishedStream = ""
    private var playback: FLVPlayback?
    private var finished = false

    public init(connection: TCPConnection, logger: Logger, settings: Settings = Settings()) {
        self.connection = connection
        self.logger = logger
        self.settings = settings
    }

    var peerHost: String {
        String(connection.peer[..<(connection.peer.lastIndex(of: ":") ?? connection.peer.endIndex)])
    }

    /// Serves the connection until the peer leaves, the stream ends or something fails.
    public func run() {
        defer {
            buffer?.close()
            connection.close()
            if let playing { playing.admission.close(playing.stream) }
            if let stats { ConnectionStats.close(stats) }
        }
        do {
            try handshake()
            try serve()
        } catch let error as NetworkError {
            logger.mist(.medium, "RTMP connection \(connection.peer) ended: \(error)")
        } catch {
            logger.mist(.warn, "RTMP connection \(connection.peer) closed: \(error)")
            try? flush()
        }
        if !publishedStream.isEmpty { logger.mist(.info, "RTMP push into \(publishedStream) ended") }
    }

    private func handshake() throws {
        var received: [UInt8] = []
        let deadline = monotonicSeconds() + 10
        while received.count < 1 + RTMPHandshake.size {
            guard monotonicSeconds() < deadline else { throw RTMPSessionError.handshakeTimeout }
            _ = try connection.receive(into: &received, limit: 4096, timeoutMilliseconds: 500)
        }
        try connection.send(try RTMPHandshake.respond(to: Array(received[0..<(1 + RTMPHandshake.size)])))
        received.removeFirst(1 + RTMPHandshake.size)
        while received.count < RTMPHandshake.size {
            guard monotonicSeconds() < deadline else { throw RTMPSessionError.handshakeTimeout }
            _ = try connection.receive(into: &received, limit: 4096, timeoutMilliseconds: 500)
        }
        decoder.append(received[RTMPHandshake.size...])
    }

    private func serve() throws {
        var incoming: [UInt8] = []
        while !finished {
            incoming.removeAll(keepingCapacity: true)
            let busy = playback.map { !$0.paused && !$0.ended } ?? false
            if try connection.receive(into: &incoming, limit: 65536, timeoutMilliseconds: busy ? 0 : 20) > 0 {
                decoder.append(incoming)
            }
            while !finished, let message = try decoder.nextMessage() { try handle(message) }
            if peerWindow > 0 && decoder.bytesReceived - acknowledged >= peerWindow / 2 {
                acknowledged = decoder.bytesReceived
                send(RTMPControl.acknowledgement(UInt32(truncatingIfNeeded: acknowledged)))
            }
            if let playback {
                let produced = try playback.pump(sink: FLVPlayback.rtmp(encoder), into: &out, budget: 256 * 1024)
                if playback.ended {
                    send(RTMPControl.userControl(1, 1))
                    send(RTMPControl.status("NetStream.Play.Stop", description: "Stream ended"))
                    try flush()
                    logger.mist(.info, "RTMP playback of \(playback.stream) to \(connection.peer) reached the end")
                    return
                }
                if !produced { usleepMilliseconds(out.isEmpty ? 5 : 0) }
            }
            try checkBuffer()
            try flush()
        }
        try flush()
    }

    private func send(_ message: RTMPMessage, chunkStream: UInt32? = nil) {
        let stream = chunkStream ?? (message.type <= 6 ? 2 : message.streamID == 0 ? 3 : FLVPlayback.dataChunkStream)
        encoder.encode(message, chunkStream: stream, into: &out)
    }

    private func flush() throws {
        guard !out.isEmpty else { return }
        try connection.send(out, timeoutMilliseconds: 30_000)
        out.removeAll(keepingCapacity: true)
    }

    private func handle(_ message: RTMPMessage) throws {
        switch message.type {
        case RTMPMessage.Kind.commandAMF0, RTMPMessage.Kind.commandAMF3:
            let payload =
                message.type == RTMPMessage.Kind.commandAMF3 ? Array(message.payload.dropFirst()) : message.payload
            try command(AMF0.decodeAll(payload), streamID: message.streamID)
        case RTMPMessage.Kind.userControl:
            if message.payload.count >= 6, message.payload[0] == 0, message.payload[1] == 6 {
                let value = message.payload[2..<6].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                send(RTMPControl.userControl(7, value))
            }
        case RTMPMessage.Kind.windowAcknowledgementSize:
            if message.payload.count >= 4 {
                peerWindow = UInt64(message.payload[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            }
        case RTMPMessage.Kind.audio, RTMPMessage.Kind.video, RTMPMessage.Kind.dataAMF0, RTMPMessage.Kind.dataAMF3,
            RTMPMessage.Kind.aggregate:
            guard var ingest, let buffer else { return }
            let frames = try ingest.handle(message)
            self.ingest = ingest
            if !frames.isEmpty { try buffer.send(frames, timeoutMilliseconds: 10_000) }
        default:
            break
        }
    }

    private func command(_ values: [AMFValue], streamID: UInt32) throws {
        guard let name = values.first?.stringValue else { throw RTMPError.malformed("command without a name") }
        let transaction = values.count > 1 ? values[1].numberValue ?? 0 : 0
        func result(_ members: [AMFValue]) {
            send(RTMPControl.command([.string("_result"), .number(transaction)] + members, streamID: streamID))
        }
        switch name {
        case "connect":
            app = values.count > 2 ? values[2]["app"]?.stringValue ?? "" : ""
            tcURL = values.count > 2 ? values[2]["tcUrl"]?.stringValue ?? "rtmp://localhost/\(app)" : ""
            send(RTMPControl.windowAcknowledgementSize(RTMPSession.window))
            send(RTMPControl.setPeerBandwidth(RTMPSession.window))
            send(RTMPControl.setChunkSize(UInt32(RTMPSession.chunkSize)))
            encoder.setChunkSize(RTMPSession.chunkSize)
            result([
                .object([("fmsVer", .string("FMS/3,5,5,2004")), ("capabilities", .number(31)), ("mode", .number(1))]),
                .object([
                    ("level", .string("status")), ("code", .string("NetConnection.Connect.Success")),
                    ("description", .string("Connection succeeded.")), ("objectEncoding", .number(0)),
                ]),
            ])
            send(RTMPControl.command([.string("onBWDone"), .number(0), .null]))
        case "createStream":
            result([.null, .number(1)])
        case "getStreamLength":
            // Seconds of a file stream; players ask before `play`.
            let (stream, _) = RTMPStreamName.play(values.count > 3 ? values[3].stringValue ?? "" : "")
            result([.null, .number(FLVPlayback.duration(of: stream))])
        case "releaseStream", "FCPublish", "FCUnpublish", "checkBandwidth", "_checkbw":
            result([.null, .undefined])
        case "publish":
            try publish(values.count > 3 ? values[3].stringValue ?? "" : "", transaction: transaction)
        case "play", "play2":
            try play(values.count > 3 ? values[3].stringValue ?? "" : "", transaction: transaction)
        case "pause", "pauseRaw":
            guard let playback else { return }
            playback.paused = values.count > 3 ? values[3] == .bool(true) : !playback.paused
            if playback.paused {
                send(RTMPControl.status("NetStream.Pause.Notify", description: "Pausing playback"))
            } else {
                if values.count > 4, let position = values[4].numberValue, !playback.isLive {
                    try playback.seek(to: UInt64(max(0, position)))
                }
                send(RTMPControl.status("NetStream.Unpause.Notify", description: "Resuming playback"))
            }
        case "seek":
            guard let playback, values.count > 3, let position = values[3].numberValue else { return }
            if !playback.isLive { try playback.seek(to: UInt64(max(0, position))) }
            send(RTMPControl.status("NetStream.Seek.Notify", description: "Seeking"))
            playback.configurations(sink: FLVPlayback.rtmp(encoder), into: &out)
        case "deleteStream", "closeStream":
            finished = true
        default:
            logger.mist(.medium, "RTMP peer \(connection.peer) sent the unhandled command \(name)")
        }
    }

    private func publish(_ raw: String, transaction: Double) throws {
        guard settings.acceptable != 1 else {
            return try reject(
                "NetStream.Publish.Rejected", "Publish rejected: this interface does not allow publishing",
                transaction: transaction)
        }
        var url = "\(tcURL)/\(raw)"
        var (stream, _) = RTMPStreamName.publish(raw)
        // RTMP_PUSH_REWRITE may give another URL (its last part names the stream), PUSH_REWRITE
        // another stream name; an empty answer refuses the push. STREAM_PUSH may refuse it too.
        if Triggers.isActive("RTMP_PUSH_REWRITE") {
            url = Triggers.rewrite("RTMP_PUSH_REWRITE", payload: "\(url)\n\(peerHost)", current: url, logger: logger)
            guard !url.isEmpty else {
                return try reject(
                    "NetStream.Publish.Rejected", "Publish rejected by RTMP_PUSH_REWRITE", transaction: transaction)
            }
            stream = RTMPStreamName.publish(String(url.split(separator: "/").last ?? "")).0
        }
        if Triggers.isActive("PUSH_REWRITE") {
            let answer = Triggers.rewrite(
                "PUSH_REWRITE", payload: "\(url)\n\(peerHost)\n\(stream)", current: stream, logger: logger)
            stream = RTMPStreamName.publish(answer).0
            guard !stream.isEmpty else {
                return try reject(
                    "NetStream.Publish.Rejected", "Publish rejected by PUSH_REWRITE", transaction: transaction)
            }
        }
        guard !stream.isEmpty else {
            return try reject("NetStream.Publish.BadName", "Publish rejected: no stream name", transaction: transaction)
        }
        guard
            Triggers.allow(
                "STREAM_PUSH", stream: stream, payload: "\(stream)\n\(peerHost)\nRTMP\n\(url)", logger: logger)
        else {
            return try reject("NetStream.Publish.Rejected", "Publish rejected by STREAM_PUSH", transaction: transaction)
        }
        logger.mist(.medium, "RTMP \(connection.peer) asks to publish \(stream)")
        let target: TCPConnection
        do {
            target = try BufferPushClient.connect(stream: stream, peerHost: peerHost, password: app, logger: logger)
        } catch {
            return try reject("NetStream.Publish.Rejected", "Publish rejected: \(error)", transaction: transaction)
        }
        if let reason = BufferPushClient.awaitAcceptance(target) {
            target.close()
            return try reject("NetStream.Publish.BadName", "Publish rejected: \(reason)", transaction: transaction)
        }
        buffer = target
        ingest = RTMPIngest()
        publishedStream = stream
        stats = ConnectionStats.open(
            connection, kind: "input", stream: stream, host: peerHost, connector: "RTMP", token: String(getpid()))
        logger.mist(.info, "RTMP push from \(connection.peer) into \(stream)")
        send(RTMPControl.userControl(0, 1))
        send(
            RTMPControl.status(
                "NetStream.Publish.Start", description: "Stream is now published!", transaction: transaction))
    }

    private func play(_ raw: String, transaction: Double) throws {
        guard settings.acceptable != 2 else {
            return try reject(
                "NetStream.Play.Rejected", "Play rejected: this interface does not allow playback",
                transaction: transaction)
        }
        let (requested, parameters) = RTMPStreamName.play(raw)
        var query: [String: String] = [:]
        for (name, value) in parameters { query[name] = value }
        let admission = PlayAdmission(
            host: peerHost, connector: "RTMP", url: "\(tcURL)/\(raw)", token: String(getpid()), logger: logger)
        guard var stream = admission.admit(requested) else {
            return try reject("NetStream.Play.Rejected", "Play rejected by a trigger", transaction: transaction)
        }
        let playback: FLVPlayback
        do {
            playback = try FLVPlayback(stream: stream, query: query, logger: logger)
        } catch {
            if let other = admission.fallback(for: stream),
                let fallback = try? FLVPlayback(stream: other, query: query, logger: logger)
            {
                stream = other
                playback = fallback
            } else {
                logger.mist(.info, "RTMP play of \(stream) by \(connection.peer) refused: \(error)")
                send(RTMPControl.status("NetStream.Play.StreamNotFound", description: "\(error)", level: "error"))
                return try reject(
                    "NetStream.Play.Rejected", "Play rejected: could not initialize stream", transaction: transaction)
            }
        }
        guard admission.play(stream) else {
            return try reject("NetStream.Play.Rejected", "Play rejected by CONN_PLAY", transaction: transaction)
        }
        playing = (admission, stream)
        stats = ConnectionStats.open(
            connection, stream: stream, host: peerHost, connector: "RTMP", token: String(getpid()))
        send(
            RTMPControl.status(
                "NetStream.Play.Reset", description: "Playing and resetting...", transaction: transaction))
        if !playback.isLive { send(RTMPControl.userControl(4, 1)) }
        send(RTMPControl.userControl(0, 1))
        send(RTMPControl.status("NetStream.Play.Start", description: "Playing!", transaction: transaction))
        send(RTMPControl.command([.string("|RtmpSampleAccess"), .bool(false), .bool(false)], streamID: 1))
        send(playback.metadata())
        playback.configurations(sink: FLVPlayback.rtmp(encoder), into: &out)
        self.playback = playback
        logger.mist(.info, "RTMP viewer \(connection.peer) plays \(stream)")
    }

    /// Answers with `_error` and a status, then ends the connection.
    private func reject(_ code: String, _ description: String, transaction: Double) throws {
        logger.mist(.warn, "RTMP \(connection.peer): \(description)")
        send(
            RTMPControl.command([
                .string("_error"), .number(transaction), .null,
                .object([("level", .string("error")), ("code", .string(code)), ("description", .string(description))]),
            ]))
        send(RTMPControl.status(code, description: description, level: "error", transaction: transaction))
        try flush()
        finished = true
    }

    /// While publishing: answers the buffer's pings and notices it going away.
    private func checkBuffer() throws {
        guard let buffer else { return }
        var scratch: [UInt8] = []
        do {
            _ = try buffer.receive(into: &scratch, limit: 4096, timeoutMilliseconds: 0)
        } catch {
            logger.mist(.warn, "The buffer of \(publishedStream) went away; ending the push")
            finished = true
        }
    }
}
