import NIOCore

/// Counts what a peer sends, for the statistics (and RTMP's acknowledgements), at the head of a
/// pipeline whose later handlers see messages rather than bytes.
final class ReceivedBytesCounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let connection: ChannelConnection

    init(connection: ChannelConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.countReceived(unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }
}
