import Logging
import MistCore
import MistNet
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// One HTTP connection of MistOutHTTP (or a single-format output) on its event loop. NIOHTTP1
/// parses the requests; each is answered by an `HTTPSession` on the blocking pool (it may wait
/// for triggers or for an input to start), one at a time in the order sent, except cached HLS
/// answers, which go out from the loop at once; a streaming answer
/// then runs on this loop until it ends. Responses are written as bytes, so a live stream's
/// shared chunks go to the socket untouched.
final class HTTPOutputHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart

    private enum State {
        /// Waiting for (or reading) a request.
        case reading
        /// A request head arrived; its body is read (kept for the URLs that take one, else dropped).
        case receiving(MistNet.HTTPRequestHead)
        /// A request is being answered on the pool.
        case answering
        /// The answer streams on this loop.
        case streaming(any StreamingBody)
        case closed
    }

    private let connection: ChannelConnection
    private let headGuard: HTTPHeadGuard
    private let logger: Logger
    private let formats: Set<HTTPFormat>
    private let webRTC: WebRTCService?
    private var state = State.reading
    /// The body of the request being read, when its URL takes one.
    private var body: [UInt8] = []
    /// Parts that arrived while a request was being answered (pipelining).
    private var queued: [HTTPServerRequestPart] = []
    private var context: ChannelHandlerContext?

    init(
        connection: ChannelConnection, headGuard: HTTPHeadGuard, logger: Logger, formats: Set<HTTPFormat>,
        webRTC: WebRTCService? = nil
    ) {
        self.connection = connection
        self.headGuard = headGuard
        self.logger = logger
        self.formats = formats
        self.webRTC = webRTC
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        queued.append(unwrapInboundIn(data))
        process()
    }

    private func process() {
        while !queued.isEmpty {
            switch state {
            case .reading, .receiving: break
            default: return
            }
            let part = queued.removeFirst()
            switch (part, state) {
            case (.head(let nioHead), .reading):
                headGuard.headArrived()
                let head = HTTPOutputHandler.head(nioHead)
                if head.header("transfer-encoding") != nil {
                    return refuse("411 Length Required", HTTPSessionError.unsupportedBody)
                }
                if let text = head.header("content-length") {
                    guard let length = Int(text), length >= 0 else {
                        return refuse("400 Bad Request", HTTPRequestHead.Failure.malformed("content-length"))
                    }
                    guard length <= HTTPSession.maximumBody else {
                        return refuse("413 Content Too Large", HTTPSessionError.bodyTooLarge(length))
                    }
                }
                body = []
                state = .receiving(head)
            case (.body(var bytes), .receiving(let head)):
                // Only signalling (an SDP offer) reads a body; the length was checked above.
                if webRTC != nil && HTTPSession.takesBody(head),
                    body.count + bytes.readableBytes <= HTTPSession.maximumBody
                {
                    body += bytes.readBytes(length: bytes.readableBytes) ?? []
                }
                continue
            case (.end, .receiving(let head)):
                answer(head)
            default:
                continue
            }
        }
    }

    /// Our request head from NIOHTTP1's (header names lower-cased, in order).
    static func head(_ head: NIOHTTP1.HTTPRequestHead) -> MistNet.HTTPRequestHead {
        MistNet.HTTPRequestHead(
            method: head.method.rawValue, target: head.uri,
            version: "HTTP/\(head.version.major).\(head.version.minor)",
            headers: head.headers.map { (name: $0.name.lowercased(), value: $0.value) })
    }

    private func answer(_ head: MistNet.HTTPRequestHead) {
        guard let context else { return }
        state = .answering
        let session = HTTPSession(connection: connection, logger: logger, formats: formats, webRTC: webRTC)
        session.requestBody = body
        body = []
        if let answer = session.answerFromCache(head) {
            // Answered here: `process` goes on with any pipelined request.
            if case .keepAlive = answer {
                state = .reading
                headGuard.awaitingNextRequest()
            } else {
                answered(answer)
            }
            return
        }
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        OutputEventLoops.blocking.runIfActive(eventLoop: context.eventLoop) { session.answerRequest(head) }
            .assumeIsolated().whenComplete { [self] result in
                switch result {
                case .success(let answer): answered(answer)
                case .failure: close()
                }
            }
    }

    /// What follows an answer: the next request, the streaming body, or the close.
    private func answered(_ answer: HTTPAnswer) {
        switch answer {
        case .keepAlive: nextRequest()
        case .stream(let body):
            guard case .answering = state else { return body.channelClosed() }
            state = .streaming(body)
            body.start { [self] keepAlive in
                if keepAlive { nextRequest() } else { close() }
            }
        case .close: close()
        case .upgrade(let session): upgrade(session)
        }
    }

    /// Hands the channel to a WebSocket session: NIOWebSocket's decoder replaces NIOHTTP1's, and
    /// this handler leaves (the head guard stays, counting bytes, its limits over).
    private func upgrade(_ session: any WebSocketSession) {
        guard case .answering = state, let context else { return session.closed() }
        state = .closed
        let sync = context.pipeline.syncOperations
        do {
            try sync.addHandlers(
                WebSocketHandler.handlers(connection: connection, session: session, logger: logger),
                position: .after(self))
            sync.removeHandler(name: EventLoopListener.httpDecoderName, promise: nil)
            sync.removeHandler(self, promise: nil)
        } catch {
            logger.mist(.warn, "HTTP connection \(connection.peer) could not become a WebSocket: \(error)")
            session.closed()
            connection.closeAfterWrites()
            return
        }
        session.start()
        let channel = connection.channel
        channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        channel.read()
    }

    /// The answer (or its body) is done: the connection reads its next request.
    private func nextRequest() {
        guard let context else { return }
        switch state {
        case .answering, .streaming: resumeReading(context)
        default: return
        }
    }

    private func resumeReading(_ context: ChannelHandlerContext) {
        state = .reading
        headGuard.awaitingNextRequest()
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        context.read()
        process()
    }

    private func close() {
        if case .closed = state { return }
        state = .closed
        connection.closeAfterWrites()
    }

    /// Answers a request that breaks a limit, then closes.
    private func refuse(_ status: String, _ error: any Error) {
        logger.mist(.warn, "HTTP client \(connection.peer) refused: \(error)")
        connection.send(HTTPSession.refusal(status: status, reason: "\(error)"))
        close()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .streaming(let body) = state { body.writabilityChanged() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .streaming(let body) = state { body.channelClosed() }
        state = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            if case .closed = state { return }
            logger.mist(.warn, "HTTP client \(connection.peer) sent a bad request: \(error)")
            refuse("400 Bad Request", error)
            return
        }
        logger.mist(.medium, "HTTP connection \(connection.peer) ended: \(error)")
        context.close(promise: nil)
    }
}
