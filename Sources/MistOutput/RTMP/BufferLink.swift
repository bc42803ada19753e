import NIOCore
import NIOPosix

/// The channel to a stream's buffer that a publisher's media goes to, on the publisher's loop:
/// what the buffer sends goes to `received` (RTMP drops its pings; DTSC relays its answers to the
/// publisher); while the buffer takes no more, the publisher is not read (back-pressure), and
/// the publisher hears when the buffer left.
final class BufferLink: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let publisher: any Channel
    private let gone: @Sendable () -> Void
    private let received: @Sendable (ByteBuffer) -> Void

    private init(
        publisher: any Channel, gone: @escaping @Sendable () -> Void,
        received: @escaping @Sendable (ByteBuffer) -> Void
    ) {
        self.publisher = publisher
        self.gone = gone
        self.received = received
    }

    /// Puts the buffer's connected push socket `descriptor` on `publisher`'s loop.
    static func attach(
        _ descriptor: Int32, publisher: any Channel, gone: @escaping @Sendable () -> Void,
        received: @escaping @Sendable (ByteBuffer) -> Void = { _ in }
    ) -> EventLoopFuture<any Channel> {
        let link = BufferLink(publisher: publisher, gone: gone, received: received)
        return ClientBootstrap(group: publisher.eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(link) }
            }
            .withConnectedSocket(descriptor)
    }

    /// Writes `bytes` to the buffer, and stops reading the publisher while the buffer is full.
    static func forward(_ bytes: ByteBuffer, to buffer: any Channel, from publisher: any Channel) {
        buffer.writeAndFlush(bytes, promise: nil)
        if !buffer.isWritable { publisher.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in } }
    }

    /// Closes the link once everything forwarded so far has reached the buffer: a publisher
    /// that sends its last frames and hangs up (or reconnects) while the buffer is behind must
    /// not lose them, as closing at once would (it drops the writes still queued).
    static func finish(_ buffer: any Channel) {
        buffer.writeAndFlush(ByteBuffer()).whenComplete { _ in buffer.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { received(unwrapInboundIn(data)) }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        guard context.channel.isWritable else { return }
        publisher.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        publisher.read()
    }

    func channelInactive(context: ChannelHandlerContext) { gone() }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
