import Logging
import MistCore
import MistData
import MistNet
import MistShm
import MistStream
import NIOCore
import NIOPosix

/// One DTSC connection on its event loop: greets the peer, waits for its `play` or `push`
/// command (answering pings), then either sends the stream's header and every packet of its
/// tracks as the peer reads them, or relays a pushed stream to its buffer (and the buffer's
/// answers back) over a channel of its own. Starting the stream's input or buffer runs on the
/// blocking pool.
final class DTSCOutputHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private enum State {
        case waiting
        case starting
        case playing
        case relaying(any Channel)
        case closed
    }

    let connection: ChannelConnection
    let logger: Logger
    private var state = State.waiting
    private var context: ChannelHandlerContext?
    private var idle: Scheduled<Void>?
    private var body: ChannelPump?
    /// What this connection plays: its triggers (CONN_CLOSE at the end) and statistics.
    private var playing: (admission: PlayAdmission, stream: String, stats: Int)?
    /// Frames from a publisher that arrived before its buffer's channel was ready.
    private var early: [ByteBuffer] = []
    /// How long a connection may stay without a request.
    static let requestSeconds: Int64 = 30

    init(connection: ChannelConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// The DTSC pipeline: framing, then this handler.
    static func pipeline(_ channel: any Channel, logger: Logger) throws {
        let connection = ChannelConnection(channel: channel)
        logger.mist(.medium, "Connection from \(connection.peer)")
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(ReceivedBytesCounter(connection: connection))
        try sync.addHandler(ByteToMessageHandler(DTSCFrameDecoder()))
        try sync.addHandler(DTSCOutputHandler(connection: connection, logger: logger))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        send(command: ["cmd": "hi", "version": .string("MistSwift/" + MistVersion.version), "pack_method": 2])
        let connection = self.connection
        idle = context.eventLoop.scheduleTask(in: .seconds(DTSCOutputHandler.requestSeconds)) {
            connection.cut()
        }
    }

    private func send(command members: JSONObject) {
        connection.send(DTSCWire.command(members))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch state {
        case .relaying(let buffer):
            buffer.writeAndFlush(frame, promise: nil)
            if !buffer.isWritable {
                context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            }
            return
        case .starting:
            early.append(frame)
            return
        case .closed:
            return
        case .waiting, .playing:
            break
        }
        do {
            let json = try frame.withUnsafeReadableBytes { raw throws(DTMIError) in try DTSCPacket(raw).json() }
            guard frame.readableBytesView.starts(with: DTSCFrameKind.command.magic) else {
                throw DTSCSessionError.unexpected("data before a play command")
            }
            let command = json["cmd"].asString
            if command == "ping" { return send(command: ["cmd": "ok", "msg": "Pong!"]) }
            guard case .waiting = state, command == "play" || command == "push" else {
                if case .waiting = state {
                    logger.mist(.medium, "Ignoring DTCM \(command) from \(connection.peer)")
                }
                return
            }
            let stream = json["stream"].asString
            guard !stream.isEmpty, stream.utf8.count <= 100, !stream.contains("/") else {
                throw DTSCSessionError.unexpected("\(command) needs a valid stream name")
            }
            idle?.cancel()
            state = .starting
            if command == "play" { play(stream) } else { push(stream) }
        } catch {
            fail(error)
        }
    }

    private func fail(_ error: any Error) {
        if error is DTMIError {
            logger.mist(.warn, "DTSC peer \(connection.peer) sent malformed data: \(error)")
            send(command: ["cmd": "error", "msg": .string("Invalid data received: \(error)")])
        } else {
            logger.mist(.warn, "DTSC connection \(connection.peer) failed: \(error)")
            send(command: ["cmd": "error", "msg": .string("\(error)")])
        }
        close()
    }

    private func close() {
        if case .closed = state { return }
        state = .closed
        connection.closeAfterWrites()
    }

    // MARK: Playing

    private func play(_ requested: String) {
        guard let context else { return }
        let logger = self.logger
        let admission = PlayAdmission(
            host: connection.peerHost, connector: "DTSC", url: "dtsc://\(connection.peer)/\(requested)",
            token: connection.generatedToken, logger: logger)
        OutputEventLoops.offload(on: context.eventLoop) { () throws -> (StreamReader, Int, String) in
            // The play triggers and USER_NEW first (their handlers may take a while).
            guard let stream = admission.admit(requested) else {
                throw DTSCSessionError.unexpected("playback of \(requested) was refused by a trigger")
            }
            // Under a controller, the stream's input is started on demand; run by hand, an input
            // started some other way is waited for.
            if StreamStarter.controllerIsRunning { try StreamStarter.start(stream, logger: logger) }
            let reader = try StreamReader(stream: stream, waitMilliseconds: 5000)
            var waited = 0
            while reader.tracks().isEmpty && waited < 5000 {
                usleepMilliseconds(10)
                waited += 10
            }
            // Every media track; not a metadata track (a pushed stream's onMetaData), which
            // MistServer's DTSC output leaves out too and its DTSC input would wait on.
            let tracks = reader.tracks().filter { $0.info.type != "meta" }
            guard !tracks.isEmpty else { throw DTSCSessionError.unexpected("stream \(stream) has no tracks") }
            try reader.select(tracks.map(\.index))
            if reader.isLive { try reader.seekToLiveEdge() }
            guard admission.play(stream) else {
                throw DTSCSessionError.unexpected("playback of \(stream) was refused by a trigger")
            }
            return (reader, tracks.count, stream)
        } then: { [self] result in
            guard case .starting = state else { return }
            switch result {
            case .failure(let error): fail(error)
            case .success(let (reader, count, stream)):
                do {
                    try startPlaying(stream, reader, trackCount: count, admission: admission)
                } catch {
                    fail(error)
                }
            }
        }
    }

    private func startPlaying(
        _ stream: String, _ reader: StreamReader, trackCount: Int, admission: PlayAdmission
    ) throws {
        logger.mist(.info, "DTSC viewer \(connection.peer) plays \(stream) (\(trackCount) tracks)")
        connection.send(
            try reader.header(of: reader.selectedIndices, includeTables: false, renumber: true).encode(
                includeTables: false))
        state = .playing
        playing = (
            admission, stream,
            ConnectionStats.open(
                connection, stream: stream, host: connection.peerHost, connector: "DTSC", token: admission.token,
                url: admission.url)
        )
        var lastSent = monotonicSeconds()
        let logger = self.logger
        let peer = connection.peer
        let body = ChannelPump(
            connection: connection, chunked: false, keepAlive: false, label: "DTSC of \(stream)", stream: stream,
            logger: logger, onEnd: nil
        ) {
            var out: [UInt8] = []
            reading: while out.count < 256 * 1024 {
                switch try reader.nextReady() {
                case .packet(let packet): DTSCWire.append(packet, to: &out)
                case .timeout: break reading
                case .end:
                    if out.isEmpty {
                        logger.mist(.info, "Stream \(stream) ended; closing DTSC viewer \(peer)")
                        admission.stop(stream)
                        return .end
                    }
                    break reading
                }
            }
            let now = monotonicSeconds()
            if out.isEmpty && now - lastSent >= 1 {
                // A ping every second the stream is quiet, so the peer knows this side is alive.
                out = DTSCWire.command(["cmd": "ping"])
            }
            if out.isEmpty { return .wait }
            lastSent = now
            return .bytes(out)
        }
        self.body = body
        body.start { [weak self] _ in self?.close() }
    }

    // MARK: Pushing

    private func push(_ stream: String) {
        guard let context else { return }
        let (logger, host, url) = (logger, connection.peerHost, "dtsc://\(connection.peer)/\(stream)")
        OutputEventLoops.offload(on: context.eventLoop) { () throws -> (String, Int32?) in
            // A stream key names its stream and skips the push rules; other names go through
            // PUSH_REWRITE and STREAM_PUSH, as RTMP pushes do.
            if let keyed = StreamKeys.stream(for: stream, host: host) {
                return (
                    keyed,
                    try BufferPushClient.connect(stream: keyed, peerHost: host, keyed: true, logger: logger).detach()
                )
            }
            var target = stream
            if Triggers.isActive("PUSH_REWRITE") {
                target = StreamName.sanitize(
                    Triggers.rewrite(
                        "PUSH_REWRITE", payload: "\(url)\n\(host)\n\(target)", current: target, logger: logger))
            }
            guard !target.isEmpty,
                Triggers.allow(
                    "STREAM_PUSH", stream: target, payload: "\(target)\n\(host)\nDTSC\n\(url)", logger: logger)
            else { throw BufferPushClient.Refusal.refused("push of \(stream) refused by a trigger") }
            return (target, try BufferPushClient.connect(stream: target, peerHost: host, logger: logger).detach())
        } then: { [self] result in
            guard case .starting = state else { return }
            switch result {
            case .failure(let error): fail(error)
            case .success(let (target, descriptor)):
                guard let descriptor else { return close() }
                attachBuffer(target, descriptor)
            }
        }
    }

    /// Puts the buffer's push socket on this loop: publisher frames go there, its answers back.
    private func attachBuffer(_ stream: String, _ descriptor: Int32) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let connection = self.connection
        BufferLink.attach(
            descriptor, publisher: context.channel, gone: { loopBound.value.close() },
            received: { connection.send(Array($0.readableBytesView)) }
        )
        .assumeIsolated().whenComplete { [self] result in
            switch result {
            case .failure(let error): fail(error)
            case .success(let buffer):
                guard case .starting = state else {
                    buffer.close(promise: nil)
                    return
                }
                logger.mist(.info, "DTSC push from \(connection.peer) into \(stream)")
                state = .relaying(buffer)
                // The buffer answers first: ok when it takes this source, an error when busy.
                for frame in early { buffer.write(frame, promise: nil) }
                early = []
                buffer.flush()
            }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        body?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idle?.cancel()
        if let playing {
            playing.admission.close(playing.stream)
            ConnectionStats.close(playing.stats)
            self.playing = nil
        }
        body?.channelClosed()
        body = nil
        if case .relaying(let buffer) = state { BufferLink.finish(buffer) }
        state = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { fail(error) }
}
