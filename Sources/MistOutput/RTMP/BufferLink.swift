import NIOCore

/// The channel to a stream's buffer that a publisher's media goes to: what the buffer sends
/// goes to `received` (RTMP drops its pings; DTSC relays its answers to the publisher); the
/// publisher hears when the buffer takes bytes again and when it left.
final class BufferLink: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let writable: @Sendable () -> Void
    private let gone: @Sendable () -> Void
    private let received: @Sendable (ByteBuffer) -> Void

    init(
        writable: @escaping @Sendable () -> Void, gone: @escaping @Sendable () -> Void,
        received: @escaping @Sendable (ByteBuffer) -> Void = { _ in }
    ) {
        self.writable = writable
        self.gone = gone
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { received(unwrapInboundIn(data)) }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { writable() }
    }

    func channelInactive(context: ChannelHandlerContext) { gone() }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
