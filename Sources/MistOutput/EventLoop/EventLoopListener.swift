import Logging
import MistCore
import MistTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// The listening side of an output on event loops: binds `--interface`/`--port`, gives every
/// accepted connection its channel pipeline on one of the loops, and stops on SIGINT or SIGTERM.
public enum EventLoopListener {
    /// Serves until a stop signal; `pipeline` sets up each accepted channel (on its loop).
    /// With `tls`, every connection starts with a TLS handshake on its current certificates,
    /// and SIGUSR1 reloads them (connections already open keep theirs).
    public static func run(
        _ options: ParsedOptions, logger: Logger, tls: TLSCertificates? = nil,
        pipeline: @escaping @Sendable (any Channel) throws -> Void
    ) throws -> Int32 {
        // Before any loop thread starts, so they all inherit the blocked signals.
        let stopSignals = StopSignals.block(reload: tls != nil)
        let port = Int(clamping: options.integer("port") ?? 0)
        let interface = options.string("interface") ?? "0.0.0.0"
        let server = try ServerBootstrap(group: OutputEventLoops.group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                ChannelOptions.writeBufferWaterMark, value: .init(low: 64 * 1024, high: 256 * 1024)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let handler = TLSHandler(engine: try TLSEngine(context: tls.current), logger: logger)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    try pipeline(channel)
                }
            }
            .bind(host: interface, port: port).wait()
        logger.mist(.info, "Listening on \(interface):\(server.localAddress?.port ?? port)")
        var signal = stopSignals.wait()
        while signal == SIGUSR1 {
            tls?.reload()
            signal = stopSignals.wait()
        }
        logger.mist(.info, "Stopping: signal \(signal) received")
        try? server.close().wait()
        return 0
    }

    /// The name of NIOHTTP1's decoder in an HTTP pipeline, which a WebSocket upgrade removes.
    static let httpDecoderName = "http-decoder"

    /// The HTTP pipeline: head limits, NIOHTTP1's request decoder, then the output's handler.
    static func http(
        _ channel: any Channel, logger: Logger, formats: Set<HTTPFormat>, headSeconds: Double = 10,
        isSecure: Bool = false, webRTC: WebRTCService? = nil
    ) throws {
        let connection = ChannelConnection(channel: channel, isSecure: isSecure)
        logger.mist(.medium, "Connection from \(connection.peer)")
        let headGuard = HTTPHeadGuard(
            connection: connection, headSeconds: headSeconds, idleSeconds: HTTPSession.idleSeconds)
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(headGuard)
        try sync.addHandler(
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)), name: httpDecoderName)
        try sync.addHandler(
            HTTPOutputHandler(
                connection: connection, headGuard: headGuard, logger: logger, formats: formats, webRTC: webRTC))
    }
}
