import Logging
import MistCore
import MistNet
import MistRTP
import MistStream
import NIOCore
import NIOPosix

/// One RTSP connection on its event loop. A publisher (ffmpeg `-f rtsp`, encoders) sends
/// ANNOUNCE with its SDP, SETUP per track over TCP interleaved, then RECORD: admitted by the same
/// rules as RTMP pushes (PUSH_REWRITE, STREAM_PUSH, `push://` sources and their passwords), its
/// H.264 and AAC go to the stream's buffer with back-pressure. Playback (DESCRIBE, PLAY) and UDP
/// transport are not served yet and get 501 and 461.
final class RTSPOutputHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// A connection that sends nothing for this long is closed.
    static let idleSeconds: Int64 = 60
    static let methods = "OPTIONS, ANNOUNCE, SETUP, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER"

    let connection: ChannelConnection
    let logger: Logger
    private var context: ChannelHandlerContext?
    private var framer = RTSPFramer()
    private var recording: RTSPRecording?
    private var announcedURL = ""
    private var setUp: Set<Int> = []
    private let session = String(UInt64.random(in: 1...UInt64.max), radix: 16)
    private var buffer: (any Channel)?
    private var publishedStream = ""
    private var stats: Int?
    private var busy = false
    private var closed = false
    private var lastActivity = NIODeadline.now()
    private var idleCheck: RepeatedTask?
    private var rtpErrors = 0

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
            guard NIODeadline.now() - handler.lastActivity > .seconds(Self.idleSeconds) else { return }
            handler.logger.mist(.medium, "RTSP \(handler.connection.peer) sent nothing for \(Self.idleSeconds) s")
            handler.close()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        framer.append(unwrapInboundIn(data).readableBytesView)
        process()
    }

    private func process() {
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
            case .interleaved(let channel, let payload): media(channel: channel, payload: payload)
            }
        }
    }

    private func send(_ bytes: [UInt8]) { connection.send(bytes) }

    private func reply(_ request: RTSPRequest, _ status: String = "200 OK", headers: [RTSPHeader] = []) {
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
                logger.mist(.warn, "RTSP \(connection.peer) announced no H.264 or AAC track (\(recording.skipped))")
                return reply(request, "415 Unsupported Media Type")
            }
            if !recording.skipped.isEmpty {
                logger.mist(.info, "RTSP \(connection.peer): not taken: \(recording.skipped.joined(separator: ", "))")
            }
            self.recording = recording
            announcedURL = request.url
            reply(request)
        case "SETUP":
            guard var recording else { return reply(request, "455 Method Not Valid in This State") }
            let transport = request.header("transport") ?? ""
            guard transport.contains("TCP"), let channels = Self.interleaved(transport) else {
                return reply(request, "461 Unsupported Transport")
            }
            guard let index = recording.track(forSetup: request.url, taken: setUp) else {
                return reply(request, "404 Not Found")
            }
            setUp.insert(index)
            recording.channels[channels] = index
            self.recording = recording
            reply(
                request, headers: [RTSPHeader("Transport", transport), RTSPHeader("Session", "\(session);timeout=60")])
        case "RECORD":
            guard recording != nil, !setUp.isEmpty else { return reply(request, "455 Method Not Valid in This State") }
            admit(request)
        case "GET_PARAMETER", "SET_PARAMETER":
            reply(request, headers: [RTSPHeader("Session", session)])
        case "TEARDOWN":
            reply(request)
            close()
        case "DESCRIBE", "PLAY", "PAUSE":
            logger.mist(.info, "RTSP \(connection.peer) asked to \(request.method): playback is not served yet")
            reply(request, "501 Not Implemented")
        default:
            reply(request, "501 Not Implemented")
        }
    }

    /// The first channel of `interleaved=a-b` in a Transport header.
    static func interleaved(_ transport: String) -> UInt8? {
        for part in transport.split(separator: ";") where part.hasPrefix("interleaved=") {
            return UInt8(part.dropFirst("interleaved=".count).prefix { $0 != "-" })
        }
        return nil
    }

    private enum Decision: @unchecked Sendable {
        case rejected(String, String)
        case accepted(stream: String, descriptor: Int32)
    }

    /// RECORD: the push rules on the blocking pool, then the buffer's socket on this loop.
    private func admit(_ request: RTSPRequest) {
        guard let context else { return }
        busy = true
        let (url, peerHost, logger) = (announcedURL, connection.peerHost, logger)
        let path = RTSPRequest(method: "ANNOUNCE", url: url).path
        let password =
            URLQuery.parse(Array(url.utf8.drop { $0 != UInt8(ascii: "?") }.dropFirst()))
            .first { $0.name == "pass" }?.value ?? ""
        OutputEventLoops.offload(
            on: context.eventLoop,
            { () -> Decision in
                var stream = StreamName.sanitize(String(path.split(separator: "/").last ?? ""))
                if Triggers.isActive("PUSH_REWRITE") {
                    stream = StreamName.sanitize(
                        Triggers.rewrite(
                            "PUSH_REWRITE", payload: "\(url)\n\(peerHost)\n\(stream)", current: stream, logger: logger))
                }
                guard !stream.isEmpty else { return .rejected("403 Forbidden", "no stream name") }
                guard
                    Triggers.allow(
                        "STREAM_PUSH", stream: stream, payload: "\(stream)\n\(peerHost)\nRTSP\n\(url)", logger: logger)
                else { return .rejected("403 Forbidden", "refused by STREAM_PUSH") }
                let target = try BufferPushClient.connect(
                    stream: stream, peerHost: peerHost, password: password, logger: logger)
                if let reason = BufferPushClient.awaitAcceptance(target) {
                    target.close()
                    return .rejected("403 Forbidden", reason)
                }
                guard let descriptor = target.detach() else {
                    return .rejected("503 Service Unavailable", "the buffer left")
                }
                return .accepted(stream: stream, descriptor: descriptor)
            }
        ) { [self] result in
            switch result {
            case .failure(let error): refuse(request, "403 Forbidden", "\(error)")
            case .success(.rejected(let status, let reason)): refuse(request, status, reason)
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
                    token: String(getpid()))
                logger.mist(.info, "RTSP push from \(connection.peer) into \(stream)")
                reply(request, headers: [RTSPHeader("Session", session)])
            }
            process()
        }
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

    private func close() {
        guard !closed else { return }
        closed = true
        connection.closeAfterWrites()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        idleCheck?.cancel()
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
