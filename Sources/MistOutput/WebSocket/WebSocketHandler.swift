import Logging
import MistCore
import NIOCore
import NIOWebSocket

/// A connection after its upgrade to a WebSocket: NIOWebSocket's decoder and aggregator in front
/// (frame and message size limits, masks required), this handler answering pings and closes as RFC 6455 asks,
/// and handing text messages to the session. A frame that breaks the protocol (unmasked, too
/// large, fragments out of order) closes the connection with the matching status code.
final class WebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    /// The largest frame or message taken from a peer: commands are small JSON objects.
    static let maximumMessage = 64 * 1024

    private let connection: ChannelConnection
    private let session: any WebSocketSession
    private let logger: Logger
    private var closing = false

    init(connection: ChannelConnection, session: any WebSocketSession, logger: Logger) {
        self.connection = connection
        self.session = session
        self.logger = logger
    }

    /// The handlers that replace HTTP's on an upgraded channel, this one last.
    static func handlers(connection: ChannelConnection, session: any WebSocketSession, logger: Logger)
        -> [any ChannelHandler]
    {
        [
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maximumMessage)),
            WebSocketMaskGuard(),
            NIOWebSocketFrameAggregator(
                minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: maximumMessage),
            WebSocketHandler(connection: connection, session: session, logger: logger),
        ]
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !closing else { return }
        switch frame.opcode {
        case .text:
            var payload = frame.unmaskedData
            let text = payload.readString(length: payload.readableBytes) ?? ""
            session.received(text: text)
        case .binary:
            // No session here takes binary messages; MistServer ignores them too.
            break
        case .ping:
            let payload = frame.unmaskedData
            connection.send(WebSocketFrameHeader.frame(opcode: WebSocketFrameHeader.pong, Array(buffer: payload)))
        case .pong:
            break
        case .connectionClose:
            closing = true
            connection.send(WebSocketFrameHeader.close(code: 1000))
            connection.closeAfterWrites()
        default:
            fail(code: 1002, "a frame of unknown opcode \(frame.opcode)")
        }
    }

    private func fail(code: UInt16, _ reason: String) {
        guard !closing else { return }
        closing = true
        logger.mist(.warn, "WebSocket client \(connection.peer) sent \(reason); closing")
        connection.send(WebSocketFrameHeader.close(code: code, reason: reason))
        connection.closeAfterWrites()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        session.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case let error as WebSocketMaskGuard.Unmasked:
            fail(code: 1002, error.description)
        case let error as NIOWebSocketError:
            fail(code: error == .invalidFrameLength ? 1009 : 1002, "a bad frame (\(error))")
        case let error as NIOWebSocketFrameAggregator.Error:
            fail(code: 1009, "a bad message (\(error))")
        default:
            logger.mist(.medium, "WebSocket connection \(connection.peer) ended: \(error)")
            context.close(promise: nil)
        }
    }
}
