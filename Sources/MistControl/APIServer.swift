import Logging
import MistData
import NIOCore
import NIOHTTP1
import NIOPosix

/// The controller's HTTP listener (port 4242 by default): the JSON API on `/api` and `/api2`
/// (and on any path given a valid command), a small page otherwise.
public enum APIServer {
    /// Binds `host:port` and serves until the returned channel is closed.
    public static func start(
        controller: Controller, host: String, port: Int, group: EventLoopGroup
    ) throws -> Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(APIHTTPHandler(controller: controller))
                }
            }
        return try bootstrap.bind(host: host, port: port).wait()
    }

    /// The CORS and caching headers MistServer puts on API answers.
    /// Threads that answer API calls, so the API's event loop never waits for a trigger
    /// handler, a process start or the disk.
    static let workers: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    static let corsHeaders: [(String, String)] = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Expose-Headers", "*"),
        ("Access-Control-Max-Age", "600"),
        ("Access-Control-Allow-Methods", "GET, POST, OPTIONS, HEAD"),
        ("Access-Control-Allow-Headers", "*"),
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Headers", "*"),
        ("Cache-Control", "no-cache, no-store, must-revalidate"),
        ("Pragma", "no-cache"),
        ("Expires", "0"),
    ]
}
