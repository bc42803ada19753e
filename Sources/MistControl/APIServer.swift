import Logging
import MistData
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

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
                    let upgrade: NIOHTTPServerUpgradeConfiguration = (
                        upgraders: [webSocketUpgrader(controller: controller)],
                        completionHandler: { context in
                            context.pipeline.syncOperations.removeHandler(name: apiHandlerName, promise: nil)
                        }
                    )
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: upgrade, withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        APIHTTPHandler(controller: controller), name: apiHandlerName)
                }
            }
        return try bootstrap.bind(host: host, port: port).wait()
    }

    static let apiHandlerName = "api"

    /// `/ws`: MistServer's WebSocket API (logs, access log and stream changes as they happen).
    static func webSocketUpgrader(controller: Controller) -> NIOWebSocketServerUpgrader {
        NIOWebSocketServerUpgrader(
            maxFrameSize: APIWebSocketHandler.maximumMessage,
            shouldUpgrade: { channel, head in
                let path = head.uri.prefix { $0 != "?" }
                return channel.eventLoop.makeSucceededFuture(path == "/ws" ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    var session = APISession(host: channel.remoteAddress?.ipAddress ?? "")
                    session.note(head.headers, trust: controller.browserTrust)
                    let credentials = APISession.credentials(in: head.headers)
                    let query = head.uri.firstIndex(of: "?").map { String(head.uri[head.uri.index(after: $0)...]) }
                    let handler = APIWebSocketHandler(
                        controller: controller, session: session,
                        wishes: APIWebSocketHandler.Wishes(query: query ?? ""), credentials: credentials)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            })
    }

    /// Threads that answer API calls, so the API's event loop never waits for a trigger
    /// handler, a process start or the disk.
    static let workers: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    /// Runs an API request for `session` on the worker threads: the reply, and the session as
    /// the call left it (logged in or out).
    static func handle(
        _ request: JSONValue, session: APISession, requestError: String? = nil, controller: Controller,
        on eventLoop: EventLoop
    ) -> EventLoopFuture<(Controller.APIReply, APISession)> {
        workers.runIfActive(eventLoop: eventLoop) {
            var working = session
            let reply = controller.handleAPI(request, session: &working, requestError: requestError)
            return (reply, working)
        }
    }

    /// The CORS and caching headers MistServer puts on API answers.
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
