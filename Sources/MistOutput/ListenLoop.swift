import Logging
import MistCore
import MistNet

#if canImport(Glibc)
    import Glibc
#endif

/// The accept loop every listening output runs: binds `--interface`/`--port`, serves each
/// connection on its own thread, and stops on SIGINT or SIGTERM.
public enum ListenLoop {
    public static func run(
        _ options: ParsedOptions, logger: Logger, serve: @escaping @Sendable (TCPConnection, Logger) -> Void
    ) throws -> Int32 {
        let stopSignals = StopSignals.block()

        let port = UInt16(clamping: options.integer("port") ?? 0)
        let interface = options.string("interface") ?? "0.0.0.0"
        let listener = try TCPListener(interface: interface, port: port)
        logger.mist(.info, "Listening on \(interface):\(listener.port)")
        while true {
            if stopSignals.arePending {
                logger.mist(.info, "Stopping: signal received")
                return 0
            }
            guard let connection = try listener.accept(timeoutMilliseconds: 250) else { continue }
            logger.mist(.medium, "Connection from \(connection.peer)")
            startDetachedThread { serve(connection, logger) }
        }
    }
}
