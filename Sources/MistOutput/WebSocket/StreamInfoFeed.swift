import Logging
import MistCore
import MistData
import MistShm
import MistStream
import NIOCore

/// `/json_<stream>.js` asked as a WebSocket, as MistServer's player asks it: the stream info
/// (the same object the plain request answers) sent at once and again whenever the stream's
/// state or its set of tracks changes, so a player learns that a stream came online or went
/// away without polling. Looked at once a second, on the blocking pool (starting an input and
/// reading its pages may wait); a ping every 10 s keeps proxies from closing an idle socket.
final class StreamInfoFeed: WebSocketSession, @unchecked Sendable {
    private let connection: ChannelConnection
    private let stream: String
    private let baseURL: String
    private let token: String
    private let logger: Logger
    private var ticker: LoopTimer?
    private var busy = false
    private var done = false
    private var ticks = 0
    /// What the last message reflected: the stream's state and its track indices.
    private var last: String?

    init(connection: ChannelConnection, stream: String, baseURL: String, token: String, logger: Logger) {
        self.connection = connection
        self.stream = stream
        self.baseURL = baseURL
        self.token = token
        self.logger = logger
    }

    func start() {
        logger.mist(.medium, "Stream info WebSocket \(connection.peer) follows \(stream)")
        ticker = LoopTimer(loop: connection.channel.eventLoop, interval: .seconds(1), initialDelay: .zero) {
            [weak self] in self?.tick()
        }
    }

    private func tick() {
        guard !done else { return }
        ticks += 1
        if ticks % 10 == 0 { connection.send(WebSocketFrameHeader.frame(opcode: WebSocketFrameHeader.ping, [])) }
        guard !busy else { return }
        busy = true
        let (stream, baseURL, token, logger, previous) = (self.stream, self.baseURL, self.token, self.logger, last)
        OutputEventLoops.offload(on: connection.channel.eventLoop) { () -> (String, String?) in
            let signature = StreamInfoFeed.signature(of: stream)
            guard signature != previous else { return (signature, nil) }
            let info = StreamInfo.json(stream: stream, baseURL: baseURL, token: token, logger: logger)
            // The info itself may have started the input: what it describes is the state now.
            return (StreamInfoFeed.signature(of: stream), JSONWriter.compact(info))
        } then: { [self] result in
            busy = false
            guard !done, case .success(let (signature, message)) = result, let message else { return }
            last = signature
            connection.send(WebSocketFrameHeader.frame(opcode: WebSocketFrameHeader.text, Array(message.utf8)))
        }
    }

    /// The stream's state and, when it is ready, its track indices.
    static func signature(of stream: String) -> String {
        let status = StreamStatus.current(of: stream)
        guard status == .ready, let reader = try? StreamReader(stream: stream, waitMilliseconds: 0) else {
            return "\(status.rawValue)"
        }
        return "\(status.rawValue):" + reader.tracks().map { String($0.index) }.joined(separator: ",")
    }

    /// The player sends nothing this feed acts on.
    func received(text: String) {}

    func writabilityChanged() {}

    func closed() {
        done = true
        ticker?.cancel()
    }
}
