import Logging
import MistCore
import MistData
import MistSRT

/// MistInTSSRT: MPEG-TS over SRT into a live stream. `srt://host:port?...` calls the sender (a
/// caller, reconnecting while the stream is wanted); `srt://:port` (or `mode=listener`) waits for
/// senders to call, one at a time. URL parameters are libsrt's options by MistServer's names
/// (`latency` in milliseconds, `passphrase`, `streamid` ...).
public final class SRTInput {
    public static let declaration = Capabilities.input(
        name: "TSSRT",
        description:
            "Buffers live MPEG-TS received over SRT (libsrt): srt://host:port calls a sender, srt://:port listens "
            + "for one. All of libsrt's socket options are URL parameters, e.g. "
            + "?streamid=name&latency=1000&passphrase=10characterpassphrase",
        optional: [
            FileInputRunner.timeoutOption,
            CapabilityOption(
                "DVR", name: "Buffer time (ms)",
                help: "How much of the stream stays available for seeking, in milliseconds",
                type: .unsignedInteger, long: "buffer", default: 50000),
            CapabilityOption(
                "acceptable", name: "Acceptable pushed streamids",
                help: "What to do with the streamids of incoming pushes, if this is a listener SRT connection",
                type: .select, long: "acceptable", short: "T", default: 0,
                choices: [
                    (0, "Set streamid as wildcard"), (1, "Ignore all streamids"),
                    (2, "Disallow non-matching streamid"),
                ]),
        ],
        extra: [
            "priority": 9,
            "source_match": ["srt://*"],
            "always_match": ["srt://*"],
            "source_prefill": "srt://",
            "source_syntax": "srt://[address]:[port][?PARAMETER=VALUE&PARAMETER=VALUE]",
            "source_help": .string(
                "All of libsrt's socket options are parameters (see TSSRT's push parameters), e.g. "
                    + "?streamid=streamname&latency=1000&passphrase=10characterpassphrase"),
            "incoming_push_url": "srt://$host:$port",
            "incoming_push_url_match": "srt://*",
            "codecs": ["video": ["H264", "HEVC"], "audio": ["AAC", "MP3", "opus"]],
        ])

    /// A parsed `srt://` source.
    public struct Source: Equatable {
        public var host: String
        public var port: UInt16
        public var parameters: [String: String]
        public var mode: String

        /// Reads `srt://[host]:port[?k=v&...]`; nil when it is not one.
        public init?(_ url: String) {
            guard url.hasPrefix("srt://") else { return nil }
            let rest = url.dropFirst(6)
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            let query = rest.drop { $0 != "?" }.dropFirst()
            guard let colon = authority.lastIndex(of: ":"),
                let number = UInt16(authority[authority.index(after: colon)...]),
                number > 0
            else { return nil }
            port = number
            host = String(authority[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            parameters = Dictionary(
                URLQuery.parse(Array(query.utf8)).map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
            guard let mode = SRTOption.mode(parameters, host: host) else { return nil }
            self.mode = mode
        }
    }

    let source: Source
    let url: String
    let stream: String
    let acceptable: Int
    let logger: Logger
    private var listener: SRTSocket?
    private var connection: SRTSocket?
    private var message: [UInt8] = []
    private var nextAttempt = 0.0
    private var failures = 0

    public init(url: String, stream: String, acceptable: Int, logger: Logger) throws {
        guard let source = Source(url) else { throw SRTInputError.badSource(url) }
        guard source.mode != "rendezvous" else { throw SRTInputError.unsupportedMode(url) }
        self.source = source
        self.url = url
        self.stream = stream
        self.acceptable = acceptable
        self.logger = logger
        if source.mode == "listener" {
            listener = try SRTSocket.listen(host: source.host, port: source.port, options: source.parameters)
            logger.mist(.info, "Waiting for SRT senders on \(source.host.isEmpty ? "*" : source.host):\(source.port)")
        }
    }

    /// TS bytes that arrived within `milliseconds` (0 while waiting, reconnecting or accepting;
    /// never nil: an SRT source ends only when the stream is no longer wanted).
    func read(into buffer: inout [UInt8], milliseconds: Int) -> Int? {
        guard let connection else {
            open(milliseconds: milliseconds)
            return 0
        }
        var added = 0
        var wait = Int32(clamping: milliseconds)
        while added < 256 * 1024 {
            switch connection.receive(into: &message, timeoutMilliseconds: wait) {
            case .bytes(let count):
                buffer.append(contentsOf: message[0..<count])
                added += count
                wait = 0
            case .none:
                return added
            case .closed:
                let stats = connection.statistics
                let counts = "\(stats.received) packets, \(stats.lost) lost, \(stats.retransmitted) retransmitted"
                logger.mist(.info, "SRT sender \(connection.peer) left (\(counts))")
                connection.close()
                self.connection = nil
                return added
            }
        }
        return added
    }

    private func open(milliseconds: Int) {
        if let listener {
            do {
                guard let accepted = try listener.accept(timeoutMilliseconds: milliseconds) else { return }
                let streamID = SRTStreamID(accepted.streamID)
                if acceptable == 2 && !streamID.resource.isEmpty && streamID.resource != stream
                    && accepted.streamID != stream
                {
                    logger.mist(.warn, "SRT stream id '\(accepted.streamID)' does not match \(stream); push blocked")
                    accepted.close()
                    return
                }
                logger.mist(.info, "SRT sender \(accepted.peer) connected (stream id '\(accepted.streamID)')")
                connection = accepted
            } catch {
                logger.mist(.warn, "Accepting an SRT sender failed: \(error)")
                usleepMilliseconds(milliseconds)
            }
            return
        }
        let now = monotonicSeconds()
        guard now >= nextAttempt else {
            usleepMilliseconds(milliseconds)
            return
        }
        do {
            connection = try SRTSocket.connect(
                host: source.host, port: source.port, options: source.parameters,
                timeoutMilliseconds: max(milliseconds, 1000))
            failures = 0
            logger.mist(.info, "Connected to SRT source \(source.host):\(source.port)")
        } catch {
            failures += 1
            // Every failure is logged once at first, then every tenth, while the stream is wanted.
            if failures <= 3 || failures % 10 == 0 { logger.mist(.warn, "SRT source \(url): \(error)") }
            nextAttempt = monotonicSeconds() + 1
        }
    }

    /// Buffers the SRT source live until no data has come for `idleSeconds` and nobody watches,
    /// or `shouldStop` says so.
    public func run(bufferWindow: UInt64, idleSeconds: Double, shouldStop: () -> Bool) throws {
        let input = LiveTSInput(
            source: url, stream: stream, bufferWindow: bufferWindow, logger: logger,
            read: { [self] buffer, milliseconds in read(into: &buffer, milliseconds: milliseconds) })
        defer {
            connection?.close()
            listener?.close()
        }
        try input.run(idleSeconds: idleSeconds, shouldStop: shouldStop)
    }
}

/// Why an SRT source cannot be read.
public enum SRTInputError: Error, CustomStringConvertible {
    case badSource(String)
    case unsupportedMode(String)

    public var description: String {
        switch self {
        case .badSource(let source): return "not an srt://[host]:port source: \(source)"
        case .unsupportedMode(let source): return "rendezvous mode is not supported as a source: \(source)"
        }
    }
}
