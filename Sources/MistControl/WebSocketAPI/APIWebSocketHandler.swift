import Logging
import MistCore
import MistData
import NIOCore
import NIOWebSocket

/// One client of the `/ws` API (MistServer's): after the upgrade it says `["auth", true|false]`;
/// a client not yet authorised (not local, no valid `Authorization: json` header) has 10 s to
/// send `["auth", {"username", "password"}]`. Once authorised it gets what its query asked for
/// (`logs=N|since:UNIX`, `accs=…`, `streams=1`): the kept entries first, then each new one as
/// it happens. A client that does not read falls behind by at most `maximumQueued` bytes, after
/// which messages are dropped for it, not queued.
final class APIWebSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Messages waiting for the socket beyond this many bytes are dropped, as MistServer does.
    static let maximumQueued = 10 * 1024
    /// How long a client may take to log in.
    static let loginSeconds: Int64 = 10
    /// The largest message taken from a client (logins are tiny).
    static let maximumMessage = 16 * 1024

    /// What the upgrade request asked to follow.
    struct Wishes: Sendable {
        var logs: String?
        var accesses: String?
        var streams = false

        init(query: String) {
            for (name, value) in URLQuery.parse(Array(query.utf8)) {
                switch name {
                case "logs": logs = value
                case "accs": accesses = value
                case "streams": streams = !value.isEmpty
                default: break
                }
            }
        }
    }

    private let controller: Controller
    private var session: APISession
    private let wishes: Wishes
    private let credentials: JSONValue?
    private var authorized = false
    private var checking = false
    private var closing = false
    private var queued = 0
    private var subscriptions: [(EventFeed, Int)] = []
    private var loginTimer: Scheduled<Void>?

    init(controller: Controller, session: APISession, wishes: Wishes, credentials: JSONValue?) {
        self.controller = controller
        self.session = session
        self.wishes = wishes
        self.credentials = credentials
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // A valid `Authorization: json` header or the local bypass authorises at once.
        var request: JSONValue = ["minimal": true]
        if let credentials { request["authorize"] = credentials }
        authorize(request, context: context) { handler, context, _ in
            handler.send(["auth", .bool(handler.authorized)], context: context, always: true)
            if handler.authorized {
                handler.follow(context: context)
            } else {
                let loopBound = NIOLoopBound((handler, context), eventLoop: context.eventLoop)
                handler.loginTimer = context.eventLoop.scheduleTask(in: .seconds(APIWebSocketHandler.loginSeconds)) {
                    let (handler, context) = loopBound.value
                    guard !handler.authorized else { return }
                    handler.send(["auth", "Too slow, sorry"], context: context, always: true)
                    handler.close(context: context, code: .normalClosure)
                }
            }
        }
    }

    /// Runs an API request for this client on the API's worker threads (it takes the
    /// controller's lock and may be held back after wrong passwords), then `then` on the loop.
    private func authorize(
        _ request: JSONValue, context: ChannelHandlerContext,
        then: @escaping (APIWebSocketHandler, ChannelHandlerContext, JSONValue) -> Void
    ) {
        checking = true
        let loopBound = NIOLoopBound((self, context, then), eventLoop: context.eventLoop)
        APIServer.handle(request, session: session, controller: controller, on: context.eventLoop).whenComplete {
            result in
            let (handler, context, then) = loopBound.value
            guard case .success(let (reply, updated)) = result, !handler.closing else { return }
            let finish = {
                handler.checking = false
                handler.session = updated
                handler.authorized = updated.authorized
                then(handler, context, reply.body["authorize"])
            }
            if reply.delaySeconds > 0 {
                let delay = Int64(clamping: (reply.delaySeconds * 1000).rounded())
                context.eventLoop.scheduleTask(in: .milliseconds(delay)) { if !handler.closing { finish() } }
            } else {
                finish()
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !closing else { return }
        if frame.maskKey == nil {
            close(context: context, code: .protocolError)
            return
        }
        switch frame.opcode {
        case .text:
            guard frame.fin, frame.length <= APIWebSocketHandler.maximumMessage else {
                close(context: context, code: .messageTooLarge)
                return
            }
            var payload = frame.unmaskedData
            let bytes = payload.readBytes(length: payload.readableBytes) ?? []
            // Messages after the login, and anything but a login, are ignored (MistServer's rule).
            guard !authorized, !checking, let message = try? JSONParser.parse(bytes), message[0].asString == "auth",
                message[1].isObject
            else { return }
            authorize(["authorize": message[1], "minimal": true], context: context) { handler, context, reply in
                handler.send(["auth", reply], context: context, always: true)
                if handler.authorized {
                    handler.loginTimer?.cancel()
                    handler.follow(context: context)
                }
            }
        case .ping:
            var pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            pong.maskKey = nil
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            close(context: context, code: .normalClosure)
        case .continuation:
            close(context: context, code: .messageTooLarge)
        default:
            break
        }
    }

    /// Sends the kept entries the client asked for and subscribes it to what follows.
    private func follow(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        func subscribe(_ feed: EventFeed) {
            let id = feed.subscribe { message in
                eventLoop.execute {
                    let (handler, context) = loopBound.value
                    handler.send(message, context: context, always: false)
                }
            }
            subscriptions.append((feed, id))
        }
        if let logs = wishes.logs {
            for entry in APIWebSocketHandler.select(controller.log.json.arrayValue ?? [], logs) {
                send(["log", entry], context: context, always: true)
            }
            subscribe(controller.log.feed)
        }
        if let accesses = wishes.accesses {
            for entry in APIWebSocketHandler.select(controller.accessLog.entries, accesses) {
                send(["access", entry], context: context, always: true)
            }
            subscribe(controller.accessLog.feed)
        }
        if wishes.streams {
            subscribe(controller.streamFeed)
            let controller = self.controller
            APIServer.workers.runIfActive(eventLoop: eventLoop) { controller.streamRows() }.whenSuccess { rows in
                let (handler, context) = loopBound.value
                for (_, row) in rows.sorted(by: { $0.key < $1.key }) {
                    handler.send(["stream", row], context: context, always: true)
                }
            }
        }
    }

    /// The entries a `logs=`/`accs=` value asks for: the last N, or those since a unix time.
    static func select(_ entries: [JSONValue], _ wish: String) -> [JSONValue] {
        if wish.hasPrefix("since:") {
            let since = Int64(wish.dropFirst(6)) ?? 0
            return entries.filter { ($0[0].intValue ?? 0) >= since }
        }
        let count = max(0, min(Int(wish) ?? 0, entries.count))
        return Array(entries.suffix(count))
    }

    /// Writes one message as a text frame; an event (`always` false) is dropped while more than
    /// `maximumQueued` bytes wait for a slow client.
    private func send(_ message: JSONValue, context: ChannelHandlerContext, always: Bool) {
        guard !closing, context.channel.isActive else { return }
        if !always && queued > APIWebSocketHandler.maximumQueued { return }
        let text = JSONWriter.compact(message)
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        let size = buffer.readableBytes
        queued += size
        let promise = context.eventLoop.makePromise(of: Void.self)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { _ in loopBound.value.queued -= size }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: promise)
    }

    private func close(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard !closing else { return }
        closing = true
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func unsubscribe() {
        for (feed, id) in subscriptions { feed.unsubscribe(id) }
        subscriptions.removeAll()
        loginTimer?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        unsubscribe()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        unsubscribe()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        controller.logger.mist(.medium, "API WebSocket client \(session.host) ended: \(error)")
        context.close(promise: nil)
    }
}
