import Logging
import MistCore
import MistNet
import MistRTP
import MistRTSP
import MistShm
import MistStream
import NIOCore
import NIOPosix

/// One RTSP connection on its event loop. A publisher (ffmpeg `-f rtsp`, encoders) sends
/// ANNOUNCE with its SDP, SETUP per track (TCP interleaved, or UDP to the session's port), then
/// RECORD: admitted by the same rules as RTMP pushes (PUSH_REWRITE, STREAM_PUSH, `push://`
/// sources and their passwords), its H.264 and AAC go to the stream's buffer with back-pressure.
/// A player sends DESCRIBE, SETUP per track (TCP interleaved or UDP), then PLAY: admitted by the
/// play triggers, it joins the stream's RTSP fan-out group, which packetizes each frame once for
/// all its viewers (a UDP player's datagrams are cut from the same bytes). A session's UDP
/// transport is one port pair (RTP, RTCP) on the connection's loop, shared by its tracks. Files
/// over RTSP and PAUSE are not served yet (501).
final class RTSPOutputHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// A connection that sends nothing for this long is closed.
    static let idleSeconds: Int64 = 60
    static let methods =
        "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER"

    let connection: ChannelConnection
    let logger: Logger
    var context: ChannelHandlerContext?
    private var framer = RTSPFramer()
    private var recording: RTSPRecording?
    private var announcedURL = ""
    private var setUp: Set<Int> = []
    let session = String(UInt64.random(in: 1...UInt64.max), radix: 16)
    private var buffer: (any Channel)?
    private var publishedStream = ""
    private var stats: Int?
    var busy = false
    private var closed = false
    private var lastActivity = NIODeadline.now()
    private var idleCheck: RepeatedTask?
    private var rtpErrors = 0
    /// A player's stream after DESCRIBE: what it plays, its tracks, the channel each track was
    /// set up on, and its triggers and statistics.
    var playing: (reader: StreamReader, tracks: [StreamTrack], stream: String, admission: PlayAdmission, stats: Int)?
    var playChannels: [Int: UInt8] = [:]
    /// A file being played: its playback, the connection media goes out on (the TCP connection,
    /// or the session's UDP port), and what to close when the session ends.
    var file:
        (
            playback: RTSPFilePlayback, connection: ChannelConnection, stream: String, admission: PlayAdmission,
            stats: Int
        )?
    var body: (any StreamingBody)?
    /// The session's UDP ports (RTP, and RTCP beside it), bound at its first UDP SETUP.
    var udp: (rtp: any Channel, rtcp: (any Channel)?)?
    /// A UDP publisher's RTP source port for each of its tracks.
    private var udpSources: [Int: Int] = [:]
    /// A UDP player's RTP address for each of its tracks' channels.
    var udpDestinations: [UInt8: SocketAddress] = [:]
    /// A UDP player's datagram sender, which also keeps what its receiver reports said.
    var datagramSender: InterleavedDatagramSender?

    init(connection: ChannelConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    static func pipeline(_ channel: any Channel, logger: Logger) throws {
        let connection = ChannelConnection(channel: channel)
        logger.mist(.medium, "Connection from \(connection.peer)")
        try channel.pipeline.syncOperations.addHandler(ReceivedBytesCounter(connection: connection))
        try channel.pipeline.syncOperations.addHandler(RTSPOutputHandler(connection: connection, logger: logger))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleCheck = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(10), delay: .seconds(10)) { _ in
            let handler = loopBound.value
            // A player may only listen; its fan-out drops it when it stops taking data.
            guard handler.body == nil, NIODeadline.now() - handler.lastActivity > .seconds(Self.idleSeconds) else {
                return
            }
            handler.logger.mist(.medium, "RTSP \(handler.connection.peer) sent nothing for \(Self.idleSeconds) s")
            handler.close()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        framer.append(unwrapInboundIn(data).readableBytesView)
        process()
    }

    func process() {
        while !busy && !closed {
            let item: RTSPItem?
            do {
                item = try framer.next()
            } catch {
                logger.mist(.warn, "RTSP \(connection.peer) sent malformed data: \(error)")
                send(RTSPFramer.response("400 Bad Request", cseq: nil))
                close()
                return
            }
            guard let item else { return }
            switch item {
            case .request(let request): handle(request)
            case .response: continue  // a server asks nothing of its clients
            case .interleaved(let channel, let payload): media(channel: channel, payload: payload)
            }
        }
    }

    func send(_ bytes: [UInt8]) { connection.send(bytes) }

    func reply(_ request: RTSPRequest, _ status: String = "200 OK", headers: [RTSPHeader] = []) {
        send(RTSPFramer.response(status, cseq: request.header("cseq"), headers: headers))
    }

    private func handle(_ request: RTSPRequest) {
        switch request.method {
        case "OPTIONS":
            reply(request, headers: [RTSPHeader("Public", Self.methods)])
        case "ANNOUNCE":
            guard recording == nil else { return reply(request, "455 Method Not Valid in This State") }
            let text = String(decoding: request.body, as: UTF8.self)
            let description: SessionDescription
            do {
                description = try SessionDescription(parsing: text)
            } catch {
                logger.mist(.warn, "RTSP \(connection.peer) announced an SDP that cannot be read: \(error)")
                return reply(request, "400 Bad Request")
            }
            let recording = RTSPRecording(description)
            guard !recording.tracks.isEmpty else {
                logger.mist(
                    .warn, "RTSP \(connection.peer) announced no track it can take (\(recording.skipped))")
                return reply(request, "415 Unsupported Media Type")
            }
            if !recording.skipped.isEmpty {
                logger.mist(.info, "RTSP \(connection.peer): not taken: \(recording.skipped.joined(separator: ", "))")
            }
            self.recording = recording
            announcedURL = request.url
            reply(request)
        case "SETUP" where playing != nil:
            setUpPlayer(request)
        case "SETUP":
            guard var recording else { return reply(request, "455 Method Not Valid in This State") }
            let transport = request.header("transport") ?? ""
            guard let index = recording.track(forSetup: request.url, taken: setUp) else {
                return reply(request, "404 Not Found")
            }
            if transport.contains("TCP"), let channels = Self.interleaved(transport) {
                setUp.insert(index)
                recording.channels[channels] = index
                self.recording = recording
                return reply(
                    request,
                    headers: [RTSPHeader("Transport", transport), RTSPHeader("Session", "\(session);timeout=60")])
            }
            guard !transport.contains("TCP"), let ports = Self.clientPorts(transport) else {
                return reply(request, "461 Unsupported Transport")
            }
            setUp.insert(index)
            recording.channels[Self.udpChannel(index)] = index
            self.recording = recording
            udpSources[ports.rtp] = index
            answerUDP(request, transport: transport)
        case "RECORD":
            guard recording != nil, !setUp.isEmpty else { return reply(request, "455 Method Not Valid in This State") }
            admit(request)
        case "GET_PARAMETER", "SET_PARAMETER":
            reply(request, headers: [RTSPHeader("Session", session)])
        case "TEARDOWN":
            reply(request)
            close()
        case "DESCRIBE":
            guard recording == nil, playing == nil else { return reply(request, "455 Method Not Valid in This State") }
            describe(request)
        case "PLAY" where file != nil:
            playFile(request)
        case "PLAY":
            guard playing != nil, !playChannels.isEmpty, body == nil else {
                return reply(request, "455 Method Not Valid in This State")
            }
            play(request)
        case "PAUSE" where file != nil:
            pauseFile(request)
        case "PAUSE":
            reply(request, "501 Not Implemented")
        default:
            reply(request, "501 Not Implemented")
        }
    }

    /// The parameters of an RTSP URL's query (the first of each name).
    static func query(_ url: String) -> [String: String] {
        Dictionary(
            URLQuery.parse(Array(url.utf8.drop { $0 != UInt8(ascii: "?") }.dropFirst())).map { ($0.name, $0.value) },
            uniquingKeysWith: { first, _ in first })
    }

    /// The player's or publisher's ports of `client_port=a-b` in a Transport header.
    static func clientPorts(_ transport: String) -> (rtp: Int, rtcp: Int)? {
        for part in transport.split(separator: ";") where part.hasPrefix("client_port=") {
            let ports = part.dropFirst("client_port=".count).split(separator: "-").compactMap { Int($0) }
            guard let rtp = ports.first, (1...65535).contains(rtp) else { return nil }
            return (rtp, ports.count > 1 && (1...65535).contains(ports[1]) ? ports[1] : rtp + 1)
        }
        return nil
    }

    /// The channel a track's RTP has inside this handler when it travels over UDP.
    static func udpChannel(_ track: Int) -> UInt8 { UInt8(truncatingIfNeeded: track * 2) }

    /// Answers a UDP SETUP with the session's port pair, binding it first if needed.
    func answerUDP(_ request: RTSPRequest, transport: String) {
        let answer: (Int) -> Void = { [self] port in
            var parts = transport.split(separator: ";").map(String.init).filter { !$0.hasPrefix("server_port=") }
            parts.append("server_port=\(port)-\(port + 1)")
            reply(
                request,
                headers: [
                    RTSPHeader("Transport", parts.joined(separator: ";")),
                    RTSPHeader("Session", "\(session);timeout=60"),
                ])
        }
        if let port = udp?.rtp.localAddress?.port { return answer(port) }
        guard let context else { return }
        // Only a real event loop binds sockets (an embedded test channel's does not).
        guard let bootstrap = DatagramBootstrap(validatingGroup: context.eventLoop) else {
            return reply(request, "461 Unsupported Transport")
        }
        busy = true
        let host = context.channel.localAddress?.ipAddress ?? "0.0.0.0"
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let receiver: @Sendable (any Channel) -> EventLoopFuture<Void> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    RTSPDatagramReceiver(
                        received: { from, bytes in loopBound.value.datagram(from: from, bytes) },
                        writable: { loopBound.value.body?.writabilityChanged() }))
            }
        }
        bootstrap.channelInitializer(receiver).bind(host: host, port: 0)
            .flatMap { rtp -> EventLoopFuture<(any Channel, (any Channel)?)> in
                let port = rtp.localAddress?.port ?? 0
                // RTCP beside RTP when that port is free; the session works without it.
                return DatagramBootstrap(group: rtp.eventLoop).channelInitializer(receiver)
                    .bind(host: host, port: port + 1)
                    .map { (rtp, $0) }
                    .recover { _ in (rtp, nil) }
            }
            .assumeIsolated().whenComplete { [self] result in
                busy = false
                switch result {
                case .failure(let error):
                    logger.mist(.warn, "RTSP \(connection.peer): no UDP port for the session: \(error)")
                    reply(request, "461 Unsupported Transport")
                case .success(let channels):
                    guard !closed else {
                        channels.0.close(promise: nil)
                        channels.1?.close(promise: nil)
                        return
                    }
                    udp = channels
                    // A UDP player's viewer closes the RTP port when the stream ends: the session ends too.
                    channels.0.closeFuture.whenComplete { _ in loopBound.value.close() }
                    answer(channels.0.localAddress?.port ?? 0)
                }
                process()
            }
    }

    /// A datagram on the session's UDP ports: a publisher's RTP is taken from its host only; a
    /// player's RTCP receiver reports give its losses to the statistics; anything else is dropped.
    private func datagram(from sender: SocketAddress, _ bytes: ByteBuffer) {
        if let datagramSender, sender.ipAddress == connection.peerHost {
            lastActivity = .now()
            datagramSender.report(RTCPReportBlock.blocks(in: Array(bytes.readableBytesView)[...]))
            return
        }
        guard recording != nil, sender.ipAddress == connection.peerHost, let port = sender.port,
            let index = udpSources[port]
        else { return }
        lastActivity = .now()
        media(channel: Self.udpChannel(index), payload: Array(bytes.readableBytesView))
    }

    /// The first channel of `interleaved=a-b` in a Transport header.
    static func interleaved(_ transport: String) -> UInt8? {
        for part in transport.split(separator: ";") where part.hasPrefix("interleaved=") {
            return UInt8(part.dropFirst("interleaved=".count).prefix { $0 != "-" })
        }
        return nil
    }

    /// RECORD: the push rules on the blocking pool, then the buffer's socket on this loop.
    private func admit(_ request: RTSPRequest) {
        guard let context else { return }
        busy = true
        let (url, peerHost, logger) = (announcedURL, connection.peerHost, logger)
        let path = RTSPRequest(method: "ANNOUNCE", url: url).path
        let password = Self.query(url)["pass"] ?? ""
        OutputEventLoops.offload(
            on: context.eventLoop,
            {
                try BufferPushAdmission.decide(
                    requested: StreamName.sanitize(String(path.split(separator: "/").last ?? "")), url: url,
                    peerHost: peerHost, connector: "RTSP", password: password, logger: logger)
            }
        ) { [self] result in
            switch result {
            case .failure(let error): refuse(request, "403 Forbidden", "\(error)")
            case .success(.rejected(let reason, let bufferLeft)):
                refuse(request, bufferLeft ? "503 Service Unavailable" : "403 Forbidden", reason)
            case .success(.accepted(let stream, let descriptor)): attach(stream, descriptor, request: request)
            }
        }
    }

    private func refuse(_ request: RTSPRequest, _ status: String, _ reason: String) {
        busy = false
        logger.mist(.warn, "RTSP push from \(connection.peer) to \(announcedURL) refused: \(reason)")
        reply(request, status)
        close()
    }

    private func attach(_ stream: String, _ descriptor: Int32, request: RTSPRequest) {
        guard let context else { return }
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
            case .failure(let error): refuse(request, "503 Service Unavailable", "\(error)")
            case .success(let channel):
                guard !closed else {
                    channel.close(promise: nil)
                    return
                }
                buffer = channel
                publishedStream = stream
                stats = ConnectionStats.open(
                    connection, kind: "input", stream: stream, host: connection.peerHost, connector: "RTSP",
                    token: connection.generatedToken)
                logger.mist(.info, "RTSP push from \(connection.peer) into \(stream)")
                reply(request, headers: [RTSPHeader("Session", session)])
            }
            process()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        body?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    private func media(channel: UInt8, payload: [UInt8]) {
        guard let buffer, let context, var recording else { return }
        do {
            let frames = try recording.receive(channel: channel, payload: payload)
            self.recording = recording
            if !frames.isEmpty {
                BufferLink.forward(context.channel.allocator.buffer(bytes: frames), to: buffer, from: context.channel)
            }
        } catch {
            self.recording = recording
            rtpErrors += 1
            // A few lines, not one per packet of a broken sender.
            if rtpErrors <= 5 { logger.mist(.warn, "RTSP \(connection.peer) sent unusable RTP: \(error)") }
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        connection.closeAfterWrites()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        idleCheck?.cancel()
        udp?.rtp.close(promise: nil)
        udp?.rtcp?.close(promise: nil)
        body?.channelClosed()
        body = nil
        if let playing {
            playing.admission.close(playing.stream)
            ConnectionStats.close(playing.stats)
        }
        playing = nil
        if let file {
            file.admission.close(file.stream)
            ConnectionStats.close(file.stats)
        }
        file = nil
        if let buffer { BufferLink.finish(buffer) }
        buffer = nil
        if let stats { ConnectionStats.close(stats) }
        stats = nil
        if !publishedStream.isEmpty { logger.mist(.info, "RTSP push into \(publishedStream) ended") }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.mist(.warn, "RTSP connection \(connection.peer) closed: \(error)")
        close()
    }
}
