import NIOCore

/// The channel to a stream's buffer that a publisher's media goes to: what the buffer sends
/// (pings) is dropped; the publisher hears when the buffer takes bytes again and when it left.
final class BufferLink: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let writable: @Sendable () -> Void
    private let gone: @Sendable () -> Void

    init(writable: @escaping @Sendable () -> Void, gone: @escaping @Sendable () -> Void) {
        self.writable = writable
        self.gone = gone
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { writable() }
    }

    func channelInactive(context: ChannelHandlerContext) { gone() }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
