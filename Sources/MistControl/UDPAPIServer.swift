import Logging
import MistCore
import MistData
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// MistServer's local UDP API: one JSON command per datagram, handled as a local, authorised
/// API call in minimal mode, the answer (without `authorize`) sent back to the sender. It is
/// bound to `localhost:4242` (or `UDP_API`, `udp://host:port`), so only processes on this
/// machine reach it, and only senders the HTTP API counts as local are answered; a browser
/// cannot send UDP. MistUtilCertbot and MistServer's binaries use it.
public enum UDPAPIServer {
    /// The address from `UDP_API`, or MistServer's default.
    static func address() -> (host: String, port: Int) {
        let configured = getenv("UDP_API").map { String(cString: $0) } ?? ""
        let address = UDPAddress.parse(configured) ?? ("localhost", 4242)
        return (address.host, address.port ?? 4242)
    }

    /// Binds the UDP API (falling back to any free port on the same host, as MistServer does)
    /// and serves it on `group`; nil when it cannot be bound at all.
    public static func start(controller: Controller, group: EventLoopGroup, logger: Logger) -> Channel? {
        let (host, port) = address()
        for candidate in [port, 0] {
            // No SO_REUSEADDR: on Linux it lets a second controller bind the same UDP port, and
            // the processes of one would then talk to the other.
            let bootstrap = DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            UDPAPIHandler(controller: controller, logger: logger))
                    }
                }
            guard let channel = try? bootstrap.bind(host: host, port: candidate).wait() else { continue }
            let bound = channel.localAddress?.port ?? candidate
            let shown = host.contains(":") ? "[\(host)]" : host
            controller.udpAPIAddress.withLock { $0 = "udp://\(shown):\(bound)" }
            if candidate == port {
                logger.mist(.info, "Local UDP API bound on \(shown):\(bound)")
            } else {
                logger.mist(
                    .warn, "Could not open the local UDP API on \(shown):\(port); bound to port \(bound) instead")
            }
            controller.publishStreams()
            return channel
        }
        logger.mist(.warn, "Could not open the local UDP API on \(host)")
        return nil
    }
}

/// Answers the datagrams of the UDP API off the loop (a call may wait for trigger handlers).
final class UDPAPIHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// Larger datagrams cannot arrive over UDP anyway; this bounds the parse.
    static let maximumBytes = 65_507
    let controller: Controller
    let logger: Logger

    init(controller: Controller, logger: Logger) {
        self.controller = controller
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView.prefix(Self.maximumBytes))
        guard let request = try? JSONParser.parse(bytes), request.isObject else {
            logger.mist(
                .warn, "Invalid API command received over UDP: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
            return
        }
        // Local by where it is bound; and the sender must count as local under the same rule as
        // the HTTP API's (so MIST_API_LOCAL=none turns this API off too).
        let senderHost = envelope.remoteAddress.ipAddress ?? ""
        guard controller.settings.localAddresses.contains(senderHost) else {
            logger.mist(.warn, "UDP API command from \(senderHost) refused: not a local caller")
            return
        }
        var command = request
        command["minimal"] = true
        let controller = self.controller
        let sender = envelope.remoteAddress
        let ownPort = context.channel.localAddress?.port
        let channel = context.channel
        logger.mist(.medium, "UDP API: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        APIServer.workers.submit { _ in
            var session = APISession(host: "127.0.0.1")
            session.authorized = true
            session.isLocal = true
            var reply = controller.handleAPI(command, session: &session)
            reply.body.removeMember("authorize")
            // No answer to our own port, so two controllers cannot ping-pong.
            if sender.port != ownPort {
                let text = JSONWriter.compact(reply.body)
                let buffer = channel.allocator.buffer(string: text)
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: sender, data: buffer), promise: nil)
            }
            if reply.shutdown { controller.requestShutdown() }
        }
    }
}
