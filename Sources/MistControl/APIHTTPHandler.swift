import Logging
import MistCore
import MistData
import NIOCore
import NIOHTTP1

/// One API client connection: collects each request, answers it through the controller, and
/// keeps the connection's login state between requests.
final class APIHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Larger request bodies are refused.
    static let maximumBody = 16 << 20

    private let controller: Controller
    private var session: APISession?
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(controller: Controller) {
        self.controller = controller
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.removeAll(keepingCapacity: true)
            tooLarge = false
        case .body(let buffer):
            if body.count + buffer.readableBytes > APIHTTPHandler.maximumBody {
                tooLarge = true
            } else {
                body.append(contentsOf: buffer.readableBytesView)
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            respond(to: requestHead, context: context)
        }
    }

    private func respond(to requestHead: HTTPRequestHead, context: ChannelHandlerContext) {
        if session == nil {
            session = APISession(host: context.channel.remoteAddress?.ipAddress ?? "")
        }
        guard var session else { return }
        if tooLarge {
            send(
                status: .payloadTooLarge, contentType: "text/plain", body: "Request body too large\n",
                head: requestHead, context: context)
            return
        }
        let headers = requestHead.headers
        session.note(headers, trust: controller.browserTrust)
        let request = APIRequest(
            uri: requestHead.uri, contentType: headers.first(name: "Content-Type"), body: body)

        // `Authorization: json {...}` logs in before the body is looked at.
        if !session.authorized, let credentials = APISession.credentials(in: headers) {
            var probe = session
            let reply = controller.handleAPI(["authorize": credentials, "minimal": true], session: &probe)
            if probe.authorized {
                session = probe
            } else if controller.storage["account"].asBool {
                self.session = session
                var extra = HTTPHeaders()
                extra.add(name: "WWW-Authenticate", value: "json " + JSONWriter.compact(reply.body["authorize"]))
                send(
                    status: .forbidden, contentType: "text/plain",
                    body: "Please login first or provide a valid token authentication.", extraHeaders: extra,
                    head: requestHead, context: context)
                return
            }
        }

        // Prometheus on the passphrase path, without a login (the passphrase is the secret).
        let passphrase = controller.prometheusPath
        if !passphrase.isEmpty
            && (request.path == "/" + passphrase || request.path.hasPrefix("/" + passphrase + ".json"))
        {
            self.session = session
            if request.path == "/" + passphrase {
                var extra = HTTPHeaders()
                extra.add(name: "Server", value: "MistServer/" + MistVersion.version)
                send(
                    status: .ok, contentType: "text/plain; version=0.0.4", body: controller.prometheusText(),
                    extraHeaders: extra, head: requestHead, context: context)
            } else {
                var extra = HTTPHeaders()
                for (name, value) in APIServer.corsHeaders { extra.add(name: name, value: value) }
                send(
                    status: .ok, contentType: "text/json", body: JSONWriter.compact(controller.prometheusJSON()),
                    extraHeaders: extra, head: requestHead, context: context)
            }
            return
        }

        let isAPIPath = request.path == "/api" || request.path == "/api2"
        if !request.command.isObject && !isAPIPath {
            self.session = session
            var extra = HTTPHeaders()
            extra.add(name: "X-Info", value: "To force an API response, request the file /api")
            extra.add(name: "X-UA-Compatible", value: "IE=edge;chrome=1")
            // The interface talks only to this origin; no other page may frame it.
            extra.add(name: "X-Frame-Options", value: "DENY")
            extra.add(name: "Cache-Control", value: "no-cache")
            let file = WebInterface.file(for: request.path)
            send(
                status: .ok, contentType: file.contentType, body: file.bytes, extraHeaders: extra, head: requestHead,
                context: context)
            return
        }
        var command = request.command
        if request.path == "/api2" { command["minimal"] = true }
        // Answered on the API's worker threads: a call may wait for a trigger handler or a disk,
        // and the handler may call this API back, which this loop must still take.
        let controller = self.controller
        let callback = request.callback
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        APIServer.handle(
            command, session: session, requestError: request.commandError, controller: controller,
            on: context.eventLoop
        ).whenComplete { result in
            let (handler, context) = loopBound.value
            guard case .success(let (reply, updated)) = result else {
                context.close(promise: nil)
                return
            }
            handler.session = updated
            handler.answer(reply, callback: callback, head: requestHead, context: context)
            if reply.shutdown {
                // After the answer is on its way; the stop itself takes its time to close down.
                context.eventLoop.scheduleTask(in: .milliseconds(100)) { controller.requestShutdown() }
            }
        }
    }

    /// Sends an API reply (as JSONP when the request named a callback), held back as long as the
    /// reply asks (wrong passwords are answered ever more slowly).
    private func answer(
        _ reply: Controller.APIReply, callback: String?, head requestHead: HTTPRequestHead,
        context: ChannelHandlerContext
    ) {
        let json = JSONWriter.compact(reply.body)
        let text = callback.map { "\($0)(\(json));\n\n" } ?? json + "\n\n"
        var cors = HTTPHeaders()
        for (name, value) in APIServer.corsHeaders { cors.add(name: name, value: value) }
        let extra = cors
        if reply.delaySeconds > 0 {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let delay = Int64(clamping: (reply.delaySeconds * 1000).rounded())
            context.eventLoop.scheduleTask(in: .milliseconds(delay)) {
                let (handler, context) = loopBound.value
                handler.send(
                    status: .ok, contentType: "text/javascript", body: text, extraHeaders: extra,
                    head: requestHead, context: context)
            }
        } else {
            send(
                status: .ok, contentType: "text/javascript", body: text, extraHeaders: extra, head: requestHead,
                context: context)
        }
    }

    private func send(
        status: HTTPResponseStatus, contentType: String, body text: String, extraHeaders: HTTPHeaders = [:],
        head requestHead: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        send(
            status: status, contentType: contentType, body: Array(text.utf8), extraHeaders: extraHeaders,
            head: requestHead, context: context)
    }

    private func send(
        status: HTTPResponseStatus, contentType: String, body bytes: [UInt8], extraHeaders: HTTPHeaders = [:],
        head requestHead: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        var headers = extraHeaders
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(bytes.count))
        headers.add(name: "Server", value: "MistSwift/\(MistVersion.version)")
        let keepAlive = requestHead.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let responseHead = HTTPResponseHead(version: requestHead.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if requestHead.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
