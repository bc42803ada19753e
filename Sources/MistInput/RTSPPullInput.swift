import Logging
import MistCore
import MistData
import MistNet
import MistRTP
import MistRTSP
import MistShm

/// MistInRTSP: pulls `rtsp://[user:password@]host[:port]/path` (a camera, another server) into a
/// live stream: DESCRIBE (Basic or Digest authentication when asked), SETUP of its video (H.264,
/// HEVC) and audio (AAC, Opus, G.711) tracks over TCP interleaved, or over UDP ports of its own
/// when the source refuses interleaving (461), PLAY, keep-alives at half the session's timeout. A lost or silent
/// source is called again every second while the stream is wanted; the stream's time goes on
/// where it was.
public final class RTSPPullInput {
    public static let declaration = Capabilities.input(
        name: "RTSP",
        description:
            "Pulls live RTSP sources (cameras, other servers) over TCP interleaved, or UDP when the source will not "
            + "interleave: H.264, HEVC, AAC, Opus and G.711, Basic and Digest authentication, keep-alive, and "
            + "reconnecting when the source goes away.",
        optional: [
            FileInputRunner.timeoutOption,
            CapabilityOption(
                "DVR", name: "Buffer time (ms)",
                help: "How much of the stream stays available for seeking, in milliseconds",
                type: .unsignedInteger, long: "buffer", default: 50000),
        ],
        extra: [
            "priority": 9,
            "source_match": ["rtsp://*"],
            "always_match": ["rtsp://*"],
            "source_prefill": "rtsp://",
            "source_syntax": "rtsp://[user][:password][@hostname]",
            "codecs": ["video": ["H264", "HEVC"], "audio": ["AAC", "opus", "ALAW", "ULAW"]],
        ])

    /// A parsed `rtsp://` source: where to connect, the URL without credentials, and the credentials.
    public struct Source: Equatable {
        public var host: String
        public var port: UInt16
        public var url: String
        public var user: String
        public var password: String

        public init?(_ text: String) {
            guard text.hasPrefix("rtsp://") else { return nil }
            var rest = Substring(text.dropFirst(7))
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            var authority = rest[..<authorityEnd]
            rest = rest[authorityEnd...]
            user = ""
            password = ""
            if let at = authority.lastIndex(of: "@") {
                let credentials = authority[..<at]
                authority = authority[authority.index(after: at)...]
                let colon = credentials.firstIndex(of: ":") ?? credentials.endIndex
                user = URLQuery.decode(Array(credentials[..<colon].utf8))
                password =
                    colon == credentials.endIndex
                    ? "" : URLQuery.decode(Array(credentials[credentials.index(after: colon)...].utf8))
            }
            var hostPart = authority
            port = 554
            if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
                guard let number = UInt16(authority[authority.index(after: colon)...]), number > 0 else { return nil }
                port = number
                hostPart = authority[..<colon]
            }
            guard !hostPart.isEmpty else { return nil }
            host = String(hostPart.trimmingPrefix("[").prefix { $0 != "]" })
            url = "rtsp://" + authority + rest
        }
    }

    /// Why one session with the source ended.
    enum SessionEnd: Error, CustomStringConvertible {
        case refused(String, Int, String)
        case noTracks(String)
        case silent(Int)

        var description: String {
            switch self {
            case .refused(let method, let status, let reason): return "\(method) answered \(status) \(reason)"
            case .noTracks(let skipped): return "no track it can take (\(skipped))"
            case .silent(let seconds): return "no media for \(seconds) s"
            }
        }
    }

    let source: Source
    let stream: String
    let logger: Logger
    /// A source that sends nothing for this long is called again.
    static let silentSeconds = 10.0
    /// Without viewers for this long (and not kept on), the pull stops.
    let idleSeconds: Double

    public init(url: String, stream: String, idleSeconds: Double = 30, logger: Logger) throws {
        guard let source = Source(url) else { throw RTSPPullError.badSource(url) }
        self.source = source
        self.stream = stream
        self.idleSeconds = idleSeconds
        self.logger = logger
    }

    /// Set once a source refuses interleaving (461): its later sessions go over UDP straight away.
    private var overUDP = false

    /// Takes the session id (and its timeout, when given) from a SETUP answer.
    private static func joinSession(_ answer: RTSPResponse, client: inout RTSPClientExchange) -> Int? {
        guard let session = answer.header("session") else { return nil }
        let parts = session.split(separator: ";")
        client.session = parts.first.map { String($0.drop { $0 == " " }) }
        for part in parts.dropFirst() {
            let parameter = part.drop { $0 == " " }
            if parameter.hasPrefix("timeout=") { return max(10, Int(parameter.dropFirst(8)) ?? 60) }
        }
        return nil
    }

    /// Pulls until stopped, or until nobody has watched for `idleSeconds`.
    public func run(bufferWindow: UInt64, shouldStop: () -> Bool) throws {
        let writer = try StreamWriter(stream: stream, live: true, bufferWindow: bufferWindow)
        defer { writer.close() }
        var sink = DTSCIngestWriter(writer: writer)
        var watchedAt = monotonicSeconds()
        var failures = 0
        while !shouldStop() {
            do {
                try session(&sink, watchedAt: &watchedAt, shouldStop: shouldStop)
                failures = 0
            } catch {
                failures += 1
                if failures <= 3 || failures % 30 == 0 {
                    logger.mist(.warn, "RTSP source \(source.url): \(error); calling again")
                }
            }
            if shouldStop() || monotonicSeconds() - watchedAt > idleSeconds { break }
            sink.rebase()
            let until = monotonicSeconds() + 1
            while !shouldStop() && monotonicSeconds() < until { usleepMilliseconds(100) }
        }
        logger.mist(.info, "RTSP pull of \(source.url) ends after \(sink.written) frames (\(sink.refused) refused)")
    }

    /// One connection: DESCRIBE, SETUP, PLAY, then media until the source goes or is silent.
    private func session(_ sink: inout DTSCIngestWriter, watchedAt: inout Double, shouldStop: () -> Bool) throws {
        let connection = try TCPConnection.connect(host: source.host, port: source.port)
        defer { connection.close() }
        var client = RTSPClientExchange(connection: connection, source: source)
        let described = try client.ask("DESCRIBE", url: source.url, headers: [RTSPHeader("Accept", "application/sdp")])
        var recording = RTSPRecording(try SessionDescription(parsing: String(decoding: described.body, as: UTF8.self)))
        guard !recording.tracks.isEmpty else { throw SessionEnd.noTracks(recording.skipped.joined(separator: ", ")) }
        var base = described.header("content-base") ?? described.header("content-location") ?? source.url
        if !base.hasSuffix("/") { base += "/" }
        var timeout = 60
        var ports: RTSPUDPPorts?
        for (index, track) in recording.tracks.enumerated() {
            let control =
                track.control.hasPrefix("rtsp://")
                ? track.control : track.control.isEmpty || track.control == "*" ? base : base + track.control
            let channel = UInt8(truncatingIfNeeded: index * 2)
            if !overUDP {
                do {
                    let answer = try client.ask(
                        "SETUP", url: control,
                        headers: [RTSPHeader("Transport", "RTP/AVP/TCP;unicast;interleaved=\(channel)-\(channel + 1)")])
                    timeout = Self.joinSession(answer, client: &client) ?? timeout
                    // The server may pick the channels itself.
                    let transport = answer.header("transport") ?? ""
                    let chosen =
                        transport.split(separator: ";").first { $0.hasPrefix("interleaved=") }
                        .flatMap { UInt8($0.dropFirst(12).prefix { $0 != "-" }) } ?? channel
                    recording.channels[chosen] = index
                    continue
                } catch SessionEnd.refused("SETUP", let status, let reason) where status == 461 {
                    logger.mist(
                        .info, "RTSP source \(source.url) does not interleave (\(status) \(reason)); receiving over UDP"
                    )
                    overUDP = true
                    // A session half set up over TCP is started again over UDP.
                    guard index == 0 else { throw SessionEnd.refused("SETUP", status, reason) }
                }
            }
            if ports == nil {
                guard let host = connection.localIPv4 else { throw RTSPPullError.udpNeedsIPv4(source.url) }
                ports = try RTSPUDPPorts(tracks: recording.tracks.count, host: host)
            }
            let answer = try client.ask(
                "SETUP", url: control, headers: [RTSPHeader("Transport", ports?.transport(index) ?? "")])
            timeout = Self.joinSession(answer, client: &client) ?? timeout
            recording.channels[channel] = index
        }
        let aggregate = String(base.dropLast())
        _ = try client.ask("PLAY", url: aggregate, headers: [RTSPHeader("Range", "npt=0.000-")])
        let notTaken = recording.skipped.isEmpty ? "" : " (not taken: \(recording.skipped.joined(separator: ", ")))"
        logger.mist(.info, "Pulling \(source.url): \(recording.tracks.count) tracks\(notTaken)")
        var lastMedia = monotonicSeconds()
        var lastKeepAlive = monotonicSeconds()
        var errors = 0
        func take(_ channel: UInt8, _ payload: [UInt8]) {
            do {
                let frames = try recording.receive(channel: channel, payload: payload)
                lastMedia = monotonicSeconds()
                if !frames.isEmpty { try sink.write(frames) }
            } catch {
                errors += 1
                if errors <= 5 { logger.mist(.warn, "RTSP source \(source.url) sent unusable RTP: \(error)") }
            }
        }
        while !shouldStop() {
            if let ports {
                ports.wait(milliseconds: 250, alongside: connection.descriptor)
                _ = try client.receive(milliseconds: 0)
                for (track, payload) in ports.receive() {
                    take(UInt8(truncatingIfNeeded: track * 2), payload)
                }
            } else {
                for item in try client.receive(milliseconds: 250) {
                    guard case .interleaved(let channel, let payload) = item else { continue }
                    take(channel, payload)
                }
            }
            let now = monotonicSeconds()
            if now - lastMedia > Self.silentSeconds { throw SessionEnd.silent(Int(Self.silentSeconds)) }
            if now - lastKeepAlive > Double(timeout) / 2 {
                lastKeepAlive = now
                try client.send("GET_PARAMETER", url: aggregate)
            }
            if sink.writer.viewerCount() > 0 { watchedAt = now }
            if now - watchedAt > idleSeconds {
                logger.mist(.info, "Nobody watched \(stream) for \(Int(idleSeconds)) s; ending the pull")
                break
            }
        }
        try? client.send("TEARDOWN", url: aggregate)
    }
}

/// Why an RTSP source cannot be pulled.
public enum RTSPPullError: Error, CustomStringConvertible {
    case badSource(String)
    /// No pair of UDP ports could be bound.
    case noPorts
    /// Receiving over UDP is done for IPv4 connections only.
    case udpNeedsIPv4(String)

    public var description: String {
        switch self {
        case .badSource(let source): return "not an rtsp://[user:password@]host[:port]/path source: \(source)"
        case .noPorts: return "no pair of UDP ports to receive on"
        case .udpNeedsIPv4(let source): return "\(source) does not interleave, and UDP is received over IPv4 only"
        }
    }
}
