import NIOCore
import NIOWebSocket

/// Refuses a client's frame that is not masked (RFC 6455 §5.1), before the aggregator joins
/// fragments into unmasked messages and the difference is lost.
final class WebSocketMaskGuard: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    /// A frame from the client came unmasked.
    struct Unmasked: Error, CustomStringConvertible {
        var description: String { "an unmasked frame" }
    }

    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        guard unwrapInboundIn(data).maskKey != nil else {
            refused = true
            return context.fireErrorCaught(Unmasked())
        }
        context.fireChannelRead(data)
    }
}
