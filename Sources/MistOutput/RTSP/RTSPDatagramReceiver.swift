import NIOCore

/// The UDP port of an RTSP session: hands each datagram (with its sender) to the session's
/// handler, on the same event loop as the session's TCP connection.
final class RTSPDatagramReceiver: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let received: (SocketAddress, ByteBuffer) -> Void
    private let writable: () -> Void

    init(received: @escaping (SocketAddress, ByteBuffer) -> Void, writable: @escaping () -> Void) {
        self.received = received
        self.writable = writable
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable()
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        received(envelope.remoteAddress, envelope.data)
    }

    // A refused datagram (ICMP port unreachable) surfaces as an error; UDP goes on regardless.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
