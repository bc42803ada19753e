import Logging
import MistCore
import MistData
import MistMedia
import MistNet
import MistRTMP
import MistShm
import MistStream
import NIOCore
import NIOPosix

/// One RTMP connection on its event loop, after the handshake and the chunk decoder: the
/// commands of a publisher (connect, createStream, publish, media) or a player (connect,
/// createStream, play, pause, seek), answered as MistServer answers them. Steps that wait
/// (triggers, starting the stream's buffer or input) run on the blocking pool; messages that
/// arrive meanwhile wait their turn. A publisher's media goes to the stream's buffer over a
/// channel of its own, with back-pressure; a live player joins the fan-out group of its stream.
final class RTMPOutputHandler: ChannelInboundHandler {
    typealias InboundIn = RTMPMessage

    let connection: ChannelConnection
    let logger: Logger
    let settings: RTMPSettings
    private var context: ChannelHandlerContext?
    private var queued: [RTMPMessage] = []
    /// A step runs on the blocking pool; later messages wait.
    private var busy = false
    private var closed = false
    private var app = ""
    /// The URL the client connected to (`rtmp://host[:port]/app`), for trigger payloads.
    private var tcURL = ""
    /// The player's flashVer (its User-Agent, for the session's `UA:` tag).
    private var flashVersion = ""
    /// What this connection plays and its triggers, for CONN_CLOSE.
    private var playing: (admission: PlayAdmission, stream: String)?
    private var stats: Int?
    private var peerWindow: UInt64 = 0
    private var acknowledged = 0
    private var ingest: RTMPIngest?
    private var buffer: (any Channel)?
    private var publishedStream = ""
    /// A file (or windowed) playback, pumped per player.
    private var playback: FLVPlayback?
    private var body: (any StreamingBody)?

    init(connection: ChannelConnection, logger: Logger, settings: RTMPSettings) {
        self.connection = connection
        self.logger = logger
        self.settings = settings
    }

    /// The RTMP pipeline: handshake, chunk decoder, this handler; the chunk encoder outbound.
    static func pipeline(_ channel: any Channel, logger: Logger, settings: RTMPSettings) throws {
        let connection = ChannelConnection(channel: channel, framing: .rtmp)
        logger.mist(.medium, "Connection from \(connection.peer)")
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(ReceivedBytesCounter(connection: connection))
        try sync.addHandler(RTMPHandshakeHandler())
        try sync.addHandler(ByteToMessageHandler(RTMPChunkDecoderHandler()))
        try sync.addHandler(RTMPChunkEncoderHandler())
        try sync.addHandler(RTMPOutputHandler(connection: connection, logger: logger, settings: settings))
    }

    var peerHost: String { connection.peerHost }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        queued.append(unwrapInboundIn(data))
        process()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    private func process() {
        while !busy && !closed && !queued.isEmpty {
            let message = queued.removeFirst()
            do {
                try handle(message)
            } catch {
                logger.mist(.warn, "RTMP connection \(connection.peer) closed: \(error)")
                close()
            }
        }
        acknowledge()
        context?.flush()
    }

    private func acknowledge() {
        let received = connection.receivedBytes
        if peerWindow > 0 && UInt64(received - acknowledged) >= peerWindow / 2 {
            acknowledged = received
            send(RTMPControl.acknowledgement(UInt32(truncatingIfNeeded: received)))
        }
    }

    private func send(_ message: RTMPMessage, chunkStream: UInt32? = nil) {
        let stream = chunkStream ?? (message.type <= 6 ? 2 : message.streamID == 0 ? 3 : FLVPlayback.dataChunkStream)
        context?.write(NIOAny(RTMPOutgoing.message(message, chunkStream: stream)), promise: nil)
    }

    /// Encoded media for this player alone (configurations after a play or a seek).
    private func sendEncoded(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, let context else { return }
        connection.countSent(bytes.count)
        context.write(NIOAny(RTMPOutgoing.chunked(context.channel.allocator.buffer(bytes: bytes))), promise: nil)
    }

    private func close() {
        guard !closed else { return }
        closed = true
        connection.closeAfterWrites()
    }

    /// Runs `work` on the blocking pool, then `then` on this loop; messages wait meanwhile.
    private func offload<T>(_ work: @escaping @Sendable () -> T, then: @escaping (T) -> Void) {
        guard let context else { return }
        busy = true
        OutputEventLoops.offload(on: context.eventLoop, work) { [self] result in
            busy = false
            guard !closed else { return }
            if case .success(let value) = result { then(value) } else { close() }
            process()
        }
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
            guard !frames.isEmpty else { return }
            buffer.writeAndFlush(buffer.allocator.buffer(bytes: frames), promise: nil)
            // The buffer reads slower than the publisher sends: stop reading the publisher.
            if !buffer.isWritable {
                context?.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            }
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
            flashVersion = values.count > 2 ? values[2]["flashVer"]?.stringValue ?? "" : ""
            send(RTMPControl.windowAcknowledgementSize(RTMPSettings.window))
            send(RTMPControl.setPeerBandwidth(RTMPSettings.window))
            send(RTMPControl.setChunkSize(UInt32(RTMPSettings.chunkSize)))
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
            offload({ FLVPlayback.duration(of: stream) }) { duration in result([.null, .number(duration)]) }
        case "releaseStream", "FCPublish", "FCUnpublish", "checkBandwidth", "_checkbw":
            result([.null, .undefined])
        case "publish":
            publish(values.count > 3 ? values[3].stringValue ?? "" : "", transaction: transaction)
        case "play", "play2":
            play(values.count > 3 ? values[3].stringValue ?? "" : "", transaction: transaction)
        case "pause", "pauseRaw":
            guard let playback else { return }
            playback.paused = values.count > 3 ? values[3] == .bool(true) : !playback.paused
            if playback.paused {
                send(RTMPControl.status("NetStream.Pause.Notify", description: "Pausing playback"))
            } else {
                if values.count > 4, let position = values[4].numberValue, !playback.isLive {
                    try playback.seek(to: RTMPOutputHandler.milliseconds(position))
                }
                send(RTMPControl.status("NetStream.Unpause.Notify", description: "Resuming playback"))
                body?.writabilityChanged()
            }
        case "seek":
            guard let playback, values.count > 3, let position = values[3].numberValue else { return }
            if !playback.isLive { try playback.seek(to: RTMPOutputHandler.milliseconds(position)) }
            send(RTMPControl.status("NetStream.Seek.Notify", description: "Seeking"))
            var out: [UInt8] = []
            playback.configurations(sink: FLVPlayback.rtmp(RTMPOutputHandler.chunker), into: &out)
            sendEncoded(out)
        case "deleteStream", "closeStream":
            if !publishedStream.isEmpty {
                logger.mist(.info, "RTMP publisher \(connection.peer) ended its publish of \(publishedStream)")
            }
            close()
        default:
            logger.mist(.medium, "RTMP peer \(connection.peer) sent the unhandled command \(name)")
        }
    }

    /// A position a player asked for, in milliseconds: negative, NaN and huge values are clamped
    /// (a Double that does not fit traps when converted).
    static func milliseconds(_ value: Double) -> UInt64 {
        guard !value.isNaN, value > 0 else { return 0 }
        return value >= 1e15 ? 1_000_000_000_000_000 : UInt64(value)
    }

    /// The encoder of this side's chunk size, for media encoded here.
    static var chunker: RTMPChunkEncoder {
        var encoder = RTMPChunkEncoder()
        encoder.setChunkSize(RTMPSettings.chunkSize)
        return encoder
    }

    // MARK: Publishing

    private enum PublishDecision: @unchecked Sendable {
        case rejected(code: String, description: String)
        case accepted(stream: String, descriptor: Int32)
    }

    private func publish(_ raw: String, transaction: Double) {
        guard settings.acceptable != 1 else {
            return reject(
                "NetStream.Publish.Rejected", "Publish rejected: this interface does not allow publishing",
                transaction: transaction)
        }
        let (tcURL, peerHost, app, logger, peer) = (tcURL, peerHost, app, logger, connection.peer)
        offload({ () -> PublishDecision in
            var url = "\(tcURL)/\(raw)"
            var (stream, _) = RTMPStreamName.publish(raw)
            // A stream key skips the push rules: it names its stream, and is enough.
            if let keyed = StreamKeys.stream(for: stream, host: peerHost) {
                logger.mist(.medium, "RTMP \(peer) publishes \(keyed) with its stream key")
                do {
                    let descriptor = try BufferPushClient.open(
                        stream: keyed, peerHost: peerHost, password: app, keyed: true, logger: logger)
                    return .accepted(stream: keyed, descriptor: descriptor)
                } catch {
                    return .rejected(code: "NetStream.Publish.Rejected", description: "Publish rejected: \(error)")
                }
            }
            // RTMP_PUSH_REWRITE may give another URL (its last part names the stream), PUSH_REWRITE
            // another stream name; an empty answer refuses the push. STREAM_PUSH may refuse it too.
            if Triggers.isActive("RTMP_PUSH_REWRITE") {
                url = Triggers.rewrite(
                    "RTMP_PUSH_REWRITE", payload: "\(url)\n\(peerHost)", current: url, logger: logger)
                guard !url.isEmpty else {
                    return .rejected(
                        code: "NetStream.Publish.Rejected", description: "Publish rejected by RTMP_PUSH_REWRITE")
                }
                stream = RTMPStreamName.publish(String(url.split(separator: "/").last ?? "")).0
            }
            if Triggers.isActive("PUSH_REWRITE") {
                let answer = Triggers.rewrite(
                    "PUSH_REWRITE", payload: "\(url)\n\(peerHost)\n\(stream)", current: stream, logger: logger)
                stream = RTMPStreamName.publish(answer).0
                guard !stream.isEmpty else {
                    return .rejected(
                        code: "NetStream.Publish.Rejected", description: "Publish rejected by PUSH_REWRITE")
                }
            }
            guard !stream.isEmpty else {
                return .rejected(code: "NetStream.Publish.BadName", description: "Publish rejected: no stream name")
            }
            guard
                Triggers.allow(
                    "STREAM_PUSH", stream: stream, payload: "\(stream)\n\(peerHost)\nRTMP\n\(url)", logger: logger)
            else {
                return .rejected(code: "NetStream.Publish.Rejected", description: "Publish rejected by STREAM_PUSH")
            }
            logger.mist(.medium, "RTMP \(peer) asks to publish \(stream)")
            // The event loop takes the socket over.
            do {
                let descriptor = try BufferPushClient.open(
                    stream: stream, peerHost: peerHost, password: app, logger: logger)
                return .accepted(stream: stream, descriptor: descriptor)
            } catch BufferPushClient.Refusal.notAccepted(let reason) {
                return .rejected(code: "NetStream.Publish.BadName", description: "Publish rejected: \(reason)")
            } catch {
                return .rejected(code: "NetStream.Publish.Rejected", description: "Publish rejected: \(error)")
            }
        }) { [self] decision in
            switch decision {
            case .rejected(let code, let description): reject(code, description, transaction: transaction)
            case .accepted(let stream, let descriptor): attachBuffer(stream, descriptor, transaction: transaction)
            }
        }
    }

    /// Puts the buffer's push socket on this loop; media goes there from now on.
    private func attachBuffer(_ stream: String, _ descriptor: Int32, transaction: Double) {
        guard let context else { return }
        busy = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        BufferLink.attach(descriptor, publisher: context.channel) {
            let handler = loopBound.value
            guard !handler.closed else { return }
            handler.logger.mist(.warn, "The buffer of \(handler.publishedStream) went away; ending the push")
            handler.close()
        }
        .assumeIsolated().whenComplete { [self] result in
            busy = false
            switch result {
            case .failure(let error):
                reject("NetStream.Publish.Rejected", "Publish rejected: \(error)", transaction: transaction)
            case .success(let channel):
                guard !closed else {
                    channel.close(promise: nil)
                    return
                }
                buffer = channel
                ingest = RTMPIngest()
                publishedStream = stream
                stats = ConnectionStats.open(
                    connection, kind: "input", stream: stream, host: peerHost, connector: "RTMP",
                    token: connection.generatedToken, userAgent: flashVersion)
                logger.mist(.info, "RTMP push from \(connection.peer) into \(stream)")
                send(RTMPControl.userControl(0, 1))
                send(
                    RTMPControl.status(
                        "NetStream.Publish.Start", description: "Stream is now published!",
                        transaction: transaction))
            }
            process()
        }
    }

    // MARK: Playing

    private struct PlayDecision: @unchecked Sendable {
        var rejection: (code: String, description: String, notFound: String?)?
        var stream = ""
        var admission: PlayAdmission?
        var playback: FLVPlayback?
        var group: LiveFanOut?
    }

    private func play(_ raw: String, transaction: Double) {
        guard settings.acceptable != 2 else {
            return reject(
                "NetStream.Play.Rejected", "Play rejected: this interface does not allow playback",
                transaction: transaction)
        }
        let (tcURL, peerHost, logger, peer, token) = (
            tcURL, peerHost, logger, connection.peer, connection.generatedToken
        )
        let home = connection.channel.eventLoop
        offload({ () -> PlayDecision in
            var decision = PlayDecision()
            let (requested, parameters) = RTMPStreamName.play(raw)
            var query: [String: String] = [:]
            for (name, value) in parameters { query[name] = value }
            let admission = PlayAdmission(
                host: peerHost, connector: "RTMP", url: "\(tcURL)/\(raw)", token: token, logger: logger)
            guard var stream = admission.admit(requested) else {
                decision.rejection = ("NetStream.Play.Rejected", "Play rejected by a trigger", nil)
                return decision
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
                    logger.mist(.info, "RTMP play of \(stream) by \(peer) refused: \(error)")
                    decision.rejection = (
                        "NetStream.Play.Rejected", "Play rejected: could not initialize stream", "\(error)"
                    )
                    return decision
                }
            }
            guard admission.play(stream) else {
                decision.rejection = ("NetStream.Play.Rejected", "Play rejected by CONN_PLAY", nil)
                return decision
            }
            decision.stream = stream
            decision.admission = admission
            decision.playback = playback
            if playback.isLive && !PlaybackWindow(query: query).isLimited {
                let tracks = [playback.video, playback.audio].compactMap { $0 }
                decision.group = try? LiveFanOutRegistry.join(
                    stream: stream, format: "RTMP", reader: playback.reader, tracks: tracks, home: home,
                    logger: logger
                ) { RTMPLiveMuxer(tracks: tracks, chunkSize: RTMPSettings.chunkSize) }
            }
            return decision
        }) { [self] decision in
            if let rejection = decision.rejection {
                if let notFound = rejection.notFound {
                    send(RTMPControl.status("NetStream.Play.StreamNotFound", description: notFound, level: "error"))
                }
                return reject(rejection.code, rejection.description, transaction: transaction)
            }
            guard let playback = decision.playback, let admission = decision.admission else { return close() }
            startPlaying(decision.stream, admission, playback, group: decision.group, transaction: transaction)
        }
    }

    private func startPlaying(
        _ stream: String, _ admission: PlayAdmission, _ playback: FLVPlayback, group: LiveFanOut?,
        transaction: Double
    ) {
        playing = (admission, stream)
        stats = ConnectionStats.open(
            connection, stream: stream, host: peerHost, connector: "RTMP", token: admission.token, url: admission.url,
            userAgent: flashVersion)
        send(
            RTMPControl.status(
                "NetStream.Play.Reset", description: "Playing and resetting...", transaction: transaction))
        if !playback.isLive { send(RTMPControl.userControl(4, 1)) }
        send(RTMPControl.userControl(0, 1))
        send(RTMPControl.status("NetStream.Play.Start", description: "Playing!", transaction: transaction))
        send(RTMPControl.command([.string("|RtmpSampleAccess"), .bool(false), .bool(false)], streamID: 1))
        send(playback.metadata())
        var out: [UInt8] = []
        playback.configurations(sink: FLVPlayback.rtmp(RTMPOutputHandler.chunker), into: &out)
        sendEncoded(out)
        context?.flush()
        logger.mist(.info, "RTMP viewer \(connection.peer) plays \(stream)")
        if let group {
            let viewer = FanOutViewer(connection: connection, chunked: false, own: [])
            viewer.onStreamEnd = { admission.stop(stream) }
            let body = FanOutBody(group: group, viewer: viewer)
            self.body = body
            body.start { _ in }
            return
        }
        self.playback = playback
        let sink = FLVPlayback.rtmp(RTMPOutputHandler.chunker)
        var stopped = false
        let body = ChannelPump(
            connection: connection, chunked: false, keepAlive: false, label: "RTMP playback of \(stream)",
            stream: stream, logger: logger, onEnd: nil
        ) { [weak self] in
            guard !stopped else { return .end }
            if playback.paused { return .wait }
            var out: [UInt8] = []
            _ = try playback.pump(sink: sink, into: &out, budget: 256 * 1024)
            if !out.isEmpty { return .bytes(out) }
            guard playback.ended else { return .wait }
            stopped = true
            admission.stop(stream)
            self?.send(RTMPControl.userControl(1, 1))
            self?.send(RTMPControl.status("NetStream.Play.Stop", description: "Stream ended"))
            self?.logger.mist(
                .info, "RTMP playback of \(playback.stream) to \(self?.connection.peer ?? "") reached the end")
            return .wait
        }
        self.body = body
        body.start { [weak self] _ in self?.close() }
    }

    /// Answers with `_error` and a status, then ends the connection.
    private func reject(_ code: String, _ description: String, transaction: Double) {
        logger.mist(.warn, "RTMP \(connection.peer): \(description)")
        send(
            RTMPControl.command([
                .string("_error"), .number(transaction), .null,
                .object([("level", .string("error")), ("code", .string(code)), ("description", .string(description))]),
            ]))
        send(RTMPControl.status(code, description: description, level: "error", transaction: transaction))
        close()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        body?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        body?.channelClosed()
        body = nil
        if let buffer { BufferLink.finish(buffer) }
        buffer = nil
        if let playing { playing.admission.close(playing.stream) }
        playing = nil
        if let stats { ConnectionStats.close(stats) }
        stats = nil
        if !publishedStream.isEmpty { logger.mist(.info, "RTMP push into \(publishedStream) ended") }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.mist(.warn, "RTMP connection \(connection.peer) closed: \(error)")
        close()
    }
}
