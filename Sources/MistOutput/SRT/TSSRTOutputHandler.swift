import Logging
import MistCore
import MistNet
import MistSRT
import MistShm
import MistStream
import NIOCore
import NIOPosix

/// One SRT connection of MistOutTSSRT, relayed onto its event loop as a channel. The caller's
/// stream id names the stream (`live`, or `#!::r=live,m=publish`); a publisher's MPEG-TS goes
/// to the stream's buffer by the same rules as RTMP pushes (PUSH_REWRITE, STREAM_PUSH, `push://`
/// sources), a player joins the stream's TS fan-out group, which it shares with HTTP-TS viewers.
/// Without a mode in the stream id, a caller that sends within 3 s is a publisher (MistServer's
/// rule); `acceptable` can allow only one direction.
final class TSSRTOutputHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    struct Settings: Sendable {
        /// 0 both directions, 1 playback only, 2 pushes only.
        var acceptable = 0
        /// The stream when the caller names none (or stream ids are ignored).
        var defaultStream = ""
        var ignoreStreamID = false
        var interface = "0.0.0.0"
        var port = 8889
    }

    /// How long a caller that names no mode may stay silent before it counts as a player.
    static let decideSeconds: Int64 = 3

    let connection: ChannelConnection
    let peer: SRTRelay.Peer
    let settings: Settings
    let logger: Logger
    private var context: ChannelHandlerContext?
    private enum State {
        case deciding
        case admitting
        case ingesting
        case playing
        case closed
    }
    private var state = State.deciding
    private var pending: [UInt8] = []
    private var ingest = TSIngest()
    private var buffer: (any Channel)?
    private var publishedStream = ""
    private var stats: Int?
    private var decideTask: Scheduled<Void>?
    private var body: FanOutBody?
    private var playing: (admission: PlayAdmission, stream: String, stats: Int)?
    private var ingestErrors = 0

    init(connection: ChannelConnection, peer: SRTRelay.Peer, settings: Settings, logger: Logger) {
        self.connection = connection
        self.peer = peer
        self.settings = settings
        self.logger = logger
    }

    static func pipeline(_ channel: any Channel, peer: SRTRelay.Peer, settings: Settings, logger: Logger) throws {
        let socket = peer.socket
        let connection = ChannelConnection(
            channel: channel, relayedPeer: socket.peer, host: socket.peerHost,
            packets: {
                let counts = socket.statistics
                return PacketCounts(
                    total: counts.sent + counts.received, lost: counts.lost, retransmitted: counts.retransmitted)
            })
        logger.mist(.medium, "SRT connection from \(connection.peer) (stream id '\(peer.streamID)')")
        try channel.pipeline.syncOperations.addHandler(ReceivedBytesCounter(connection: connection))
        try channel.pipeline.syncOperations.addHandler(
            TSSRTOutputHandler(connection: connection, peer: peer, settings: settings, logger: logger))
    }

    /// The stream the caller asks for.
    var requestedStream: String {
        let named = SRTStreamID(peer.streamID).resource
        return StreamName.sanitize(settings.ignoreStreamID || named.isEmpty ? settings.defaultStream : named)
    }

    /// The URL triggers see for this connection.
    var url: String {
        let id = URLQuery.encode(peer.streamID)
        return "srt://\(settings.interface):\(settings.port)?streamid=\(id)"
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let mode = SRTStreamID(peer.streamID).mode
        if mode == .publish && settings.acceptable != 1 || settings.acceptable == 2 {
            admitPush()
        } else if mode == .request || settings.acceptable == 1 {
            play()
        } else {
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            decideTask = context.eventLoop.scheduleTask(in: .seconds(Self.decideSeconds)) {
                let handler = loopBound.value
                if handler.state == .deciding { handler.play() }
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data).readableBytesView
        switch state {
        case .deciding:
            decideTask?.cancel()
            pending += bytes
            admitPush()
        case .admitting:
            // Held while the push is admitted; a few seconds of a stream at most.
            if pending.count < 32 << 20 { pending += bytes }
        case .ingesting: feed(Array(bytes))
        case .playing, .closed: break
        }
    }

    // MARK: Pushes

    private func admitPush() {
        guard let context, state == .deciding else { return }
        state = .admitting
        guard settings.acceptable != 1 else { return refuse("this port takes no pushes (acceptable=1)") }
        let (url, peerHost, logger, requested) = (url, connection.peerHost, logger, requestedStream)
        OutputEventLoops.offload(
            on: context.eventLoop,
            {
                try BufferPushAdmission.decide(
                    requested: requested, url: url, peerHost: peerHost, connector: "TSSRT", password: "",
                    logger: logger)
            }
        ) { [self] result in
            switch result {
            case .failure(let error): refuse("\(error)")
            case .success(.rejected(let reason, _)): refuse(reason)
            case .success(.accepted(let stream, let descriptor)): attach(stream, descriptor)
            }
        }
    }

    private func refuse(_ reason: String) {
        logger.mist(.warn, "SRT push from \(connection.peer) (stream id '\(peer.streamID)') refused: \(reason)")
        close()
    }

    private func attach(_ stream: String, _ descriptor: Int32) {
        guard let context, state == .admitting else {
            Glibc.close(descriptor)
            return
        }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        BufferLink.attach(descriptor, publisher: context.channel) {
            let handler = loopBound.value
            guard handler.state != .closed else { return }
            handler.logger.mist(.warn, "The buffer of \(handler.publishedStream) went away; ending the SRT push")
            handler.close()
        }
        .assumeIsolated().whenComplete { [self] result in
            switch result {
            case .failure(let error): refuse("\(error)")
            case .success(let channel):
                guard state == .admitting else {
                    channel.close(promise: nil)
                    return
                }
                buffer = channel
                publishedStream = stream
                state = .ingesting
                stats = ConnectionStats.open(
                    connection, kind: "input", stream: stream, host: connection.peerHost, connector: "TSSRT",
                    token: connection.generatedToken)
                logger.mist(.info, "SRT push from \(connection.peer) into \(stream)")
                let held = pending
                pending = []
                feed(held)
            }
        }
    }

    private func feed(_ bytes: [UInt8]) {
        guard let buffer, let context, !bytes.isEmpty else { return }
        do {
            let frames = try ingest.feed(bytes[...])
            if !frames.isEmpty {
                BufferLink.forward(context.channel.allocator.buffer(bytes: frames), to: buffer, from: context.channel)
            }
        } catch {
            ingestErrors += 1
            // A few lines, not one per packet of a broken sender.
            if ingestErrors <= 5 { logger.mist(.warn, "SRT \(connection.peer) sent unusable TS: \(error)") }
        }
    }

    // MARK: Playing

    private enum Opened: @unchecked Sendable {
        case refused(String)
        case ready(reader: StreamReader, tracks: [StreamTrack], stream: String, admission: PlayAdmission, stats: Int)
    }

    private func play() {
        guard let context, state == .deciding else { return }
        state = .playing
        guard settings.acceptable != 2 else { return refuseViewer("this port takes pushes only (acceptable=2)") }
        let (connection, logger, requested) = (connection, logger, requestedStream)
        let admission = PlayAdmission(
            host: connection.peerHost, connector: "TSSRT", url: url,
            token: connection.generatedToken, logger: logger)
        OutputEventLoops.offload(
            on: context.eventLoop,
            { () -> Opened in
                guard !requested.isEmpty else { return .refused("no stream named") }
                guard let stream = admission.admit(requested) else { return .refused("refused by a trigger") }
                let opened = try TrackChoice.open(
                    stream, videoCodecs: ["H264", "HEVC"], audioCodecs: ["AAC", "MP3", "opus"], logger: logger)
                guard opened.reader.isLive else { return .refused("files are not served over SRT") }
                guard admission.play(stream) else { return .refused("playback refused by a trigger") }
                let stats = ConnectionStats.open(
                    connection, stream: stream, host: connection.peerHost, connector: "TSSRT", token: admission.token,
                    url: admission.url)
                let tracks = [opened.video, opened.audio].compactMap { $0 }
                return .ready(reader: opened.reader, tracks: tracks, stream: stream, admission: admission, stats: stats)
            }
        ) { [self] result in
            switch result {
            case .failure(let error): refuseViewer("\(error)")
            case .success(.refused(let reason)): refuseViewer(reason)
            case .success(.ready(let reader, let tracks, let stream, let admission, let stats)):
                guard state == .playing else {
                    admission.close(stream)
                    ConnectionStats.close(stats)
                    return
                }
                playing = (admission, stream, stats)
                join(stream, reader: reader, tracks: tracks)
            }
        }
    }

    private func refuseViewer(_ reason: String) {
        logger.mist(.info, "SRT play of '\(requestedStream)' for \(connection.peer) refused: \(reason)")
        close()
    }

    /// Joins the stream's TS group (the one HTTP-TS viewers of the same tracks are in).
    private func join(_ stream: String, reader: StreamReader, tracks: [StreamTrack]) {
        guard let playing else { return }
        do {
            let group = try LiveFanOutRegistry.join(
                stream: stream, format: "HTTP-TS", reader: reader, tracks: tracks, home: connection.channel.eventLoop,
                logger: logger
            ) { try TSLiveMuxer(tracks: tracks) }
            let viewer = FanOutViewer(connection: connection, chunked: false, own: group.header)
            viewer.onClose = {
                playing.admission.close(playing.stream)
                ConnectionStats.close(playing.stats)
            }
            viewer.onStreamEnd = { playing.admission.stop(playing.stream) }
            self.playing = nil
            logger.mist(.info, "SRT viewer \(connection.peer) plays live \(stream)")
            let body = FanOutBody(group: group, viewer: viewer)
            self.body = body
            let loopBound = NIOLoopBound(self, eventLoop: connection.channel.eventLoop)
            body.start { _ in loopBound.value.close() }
        } catch {
            logger.mist(.warn, "SRT play of \(stream) for \(connection.peer) failed: \(error)")
            close()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        body?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    private func close() {
        guard state != .closed else { return }
        state = .closed
        connection.closeAfterWrites()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        decideTask?.cancel()
        body?.channelClosed()
        body = nil
        if let playing {
            playing.admission.close(playing.stream)
            ConnectionStats.close(playing.stats)
        }
        playing = nil
        if let buffer { BufferLink.finish(buffer) }
        buffer = nil
        if let stats { ConnectionStats.close(stats) }
        stats = nil
        if !publishedStream.isEmpty {
            let counts = peer.socket.statistics
            logger.mist(
                .info,
                "SRT push into \(publishedStream) ended (\(counts.received) packets, \(counts.lost) lost, \(counts.retransmitted) retransmitted)"
            )
        }
        for warning in ingest.warnings.prefix(5) { logger.mist(.warn, "SRT \(connection.peer): \(warning)") }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.mist(.warn, "SRT connection \(connection.peer) closed: \(error)")
        close()
    }
}
