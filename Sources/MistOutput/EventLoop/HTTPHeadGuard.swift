import MistCore
import MistNet
import NIOCore

/// Sits before NIOHTTP1's request decoder and keeps MistServer-style limits on request heads:
/// a head that has begun must arrive within `headSeconds` (408), may not exceed
/// `HTTPRequestHead.maximumSize` bytes (431), and a keep-alive connection with no request for
/// `idleSeconds` is closed. The handler behind the decoder says when a head has arrived and when
/// it waits for the next one.
final class HTTPHeadGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connection: ChannelConnection
    private let headSeconds: Double
    private let idleSeconds: Double
    /// Bytes of a head not yet complete; nil while a request is being answered or streamed.
    private var headBytes: Int? = 0
    private var deadline: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(connection: ChannelConnection, headSeconds: Double, idleSeconds: Double) {
        self.connection = connection
        self.headSeconds = headSeconds
        self.idleSeconds = idleSeconds
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        armIdle()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        connection.countReceived(buffer.readableBytes)
        if let count = headBytes {
            if count == 0 && buffer.readableBytes > 0 { armHeadDeadline() }
            headBytes = count + buffer.readableBytes
        }
        context.fireChannelRead(data)
        if let count = headBytes, count > HTTPRequestHead.maximumSize {
            refuse("431 Request Header Fields Too Large", "request head too large")
        }
    }

    /// The handler behind the decoder got a whole head: the limits pause.
    func headArrived() {
        headBytes = nil
        deadline?.cancel()
        deadline = nil
    }

    /// The request was answered; the next head is measured afresh.
    func awaitingNextRequest() {
        headBytes = 0
        armIdle()
    }

    private func armIdle() {
        deadline?.cancel()
        guard let context else { return }
        let connection = self.connection
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(idleSeconds * 1000))) {
            [weak self] in
            guard let self, self.headBytes == 0 else { return }
            connection.cut()
        }
    }

    private func armHeadDeadline() {
        deadline?.cancel()
        guard let context else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(headSeconds * 1000))) {
            [weak self] in
            guard let self, self.headBytes != nil else { return }
            self.refuse("408 Request Timeout", "request head timed out")
        }
    }

    /// Answers `status` and closes, as the blocking server did.
    private func refuse(_ status: String, _ reason: String) {
        guard let context else { return }
        headBytes = nil
        deadline?.cancel()
        let bytes = HTTPSession.refusal(status: status, reason: reason)
        connection.countSent(bytes.count)
        let channel = context.channel
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: bytes))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
