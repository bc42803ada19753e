import Logging
import MistCore
import MistData
import MistWebRTC
import NIOCore

/// `/webrtc/<stream>` asked as a WebSocket: MistServer's WebRTC signalling, as its player speaks
/// it. `{"type":"offer_sdp","offer_sdp":…}` is answered `{"type":"on_answer_sdp","result":true,
/// "answer_sdp":…}` (an offer that sends media publishes, any other plays), a failure with
/// `result` false and an `on_error`; the session lives as long as the WebSocket. Commands this
/// server does not act on (`video_bitrate`, `rtp_props`, `keyframe_interval`, …) get MistServer's
/// `on_error` for an unhandled type.
final class WebRTCSignallingSession: WebSocketSession, @unchecked Sendable {
    private let connection: ChannelConnection
    private let service: WebRTCService
    private let offer: @Sendable (_ sdp: String, _ publishes: Bool) -> WebRTCService.Outcome
    private let logger: Logger
    private var session: String?
    private var busy = false
    private var done = false

    init(
        connection: ChannelConnection, service: WebRTCService, logger: Logger,
        offer: @escaping @Sendable (_ sdp: String, _ publishes: Bool) -> WebRTCService.Outcome
    ) {
        self.connection = connection
        self.service = service
        self.offer = offer
        self.logger = logger
    }

    func start() {}

    func received(text: String) {
        guard let command = try? JSONParser.parse(text), command.isObject else {
            return error("error", "Received a command but no type property was given.")
        }
        let type = command["type"].asString
        guard !type.isEmpty else { return error("error", "Received a command but no type property was given.") }
        guard type == "offer_sdp" else { return error(type, "Unhandled command type: \(type)") }
        let sdp = command["offer_sdp"].asString
        guard !sdp.isEmpty else {
            return error("on_offer_sdp", "An `offer_sdp` command needs the offer SDP in the `offer_sdp` field.")
        }
        guard !busy, session == nil else { return error("offer_sdp", "This connection has a session already.") }
        guard let parsed = try? WebRTCOffer(parsing: sdp) else {
            return error("offer_sdp", "Failed to parse the offered SDP")
        }
        let publishes = parsed.media.contains { $0.direction == "sendonly" }
        busy = true
        let offer = self.offer
        OutputEventLoops.offload(on: connection.channel.eventLoop) {
            offer(sdp, publishes)
        } then: { [self] result in
            busy = false
            var answer: JSONValue = ["type": "on_answer_sdp", "result": false]
            switch result {
            case .success(.answered(let sdp, let id)):
                guard !done else {
                    _ = service.end(id)
                    return
                }
                session = id
                answer["result"] = true
                answer["answer_sdp"] = .string(sdp)
            case .success(.refused(_, let reason)):
                logger.mist(.info, "WebRTC WebSocket offer from \(connection.peer) refused: \(reason)")
                error("offer_sdp", reason)
            case .failure(let failure):
                error("offer_sdp", "\(failure)")
            }
            send(answer)
        }
    }

    private func error(_ command: String, _ message: String) {
        send(["type": "on_error", "command": .string(command), "message": .string(message)])
    }

    private func send(_ message: JSONValue) {
        guard !done else { return }
        connection.send(
            WebSocketFrameHeader.frame(opcode: WebSocketFrameHeader.text, Array(JSONWriter.compact(message).utf8)))
    }

    func writabilityChanged() {}

    func closed() {
        done = true
        if let session { _ = service.end(session) }
        session = nil
    }
}
