import Logging
import MistCore
import MistData
import MistMedia
import MistNet
import MistShm

/// MistInHLS: pulls an HLS playlist over HTTP. The best variant of a master playlist is chosen
/// (the highest bandwidth); a complete (VOD) playlist is downloaded and played as video on
/// demand, a live one is followed from near its live edge, each new segment's TS fed to a live
/// stream.
public enum HLSInput {
    public static let declaration = Capabilities.input(
        name: "HLS",
        description:
            "Pulls HLS (MPEG-TS segments) over HTTP: complete playlists play as video on demand, live ones as live "
            + "streams followed from near their live edge. A master playlist's highest-bandwidth variant is used.",
        optional: [
            FileInputRunner.timeoutOption,
            CapabilityOption(
                "DVR", name: "Buffer time (ms)",
                help: "For live playlists: how much of the stream stays available for seeking, in milliseconds",
                type: .unsignedInteger, long: "buffer", default: 50000),
        ],
        extra: [
            "priority": 9,
            "source_match": ["http://*.m3u8", "http://*.m3u", "https://*.m3u8", "https://*.m3u"],
            "source_prefill": "http://",
            "source_syntax": "http://[address][:port]/[path/to/][playlist].m3u8",
            "codecs": ["video": ["H264", "HEVC"], "audio": ["AAC", "MP3"]],
        ])

    /// The media playlist `url` leads to (through a master playlist's best variant) and what it holds.
    public static func mediaPlaylist(_ url: String) throws -> (
        url: String, segments: [HLSPlaylistReader.Segment], targetDuration: UInt64, ended: Bool
    ) {
        var current = url
        for _ in 0..<3 {
            let response = try HTTPClient.get(current, maximumBody: 4 << 20)
            guard response.status == 200 else { throw HLSInputError.status(response.status, current) }
            current = response.url
            switch try HLSPlaylistReader.parse(String(decoding: response.body, as: UTF8.self)) {
            case .master(let variants):
                guard let best = variants.max(by: { $0.bandwidth < $1.bandwidth }) else {
                    throw HLSInputError.empty(current)
                }
                current = HTTPClient.resolve(best.uri, against: current)
            case .media(let segments, let targetDuration, let ended):
                return (current, segments, targetDuration, ended)
            }
        }
        throw HLSInputError.empty(url)
    }

    /// Runs the input for `source` as `stream` until it ends or is stopped.
    public static func run(_ options: ParsedOptions, logger: Logger) throws -> Int32 {
        guard let stream = options.string("streamname"), !stream.isEmpty else {
            logger.mist(.fail, "No stream name given (-s)")
            return 1
        }
        let source = options.string("input") ?? ""
        // A live source may not have a complete segment yet: try for a while before giving up.
        var attempt = 0
        var found: (url: String, segments: [HLSPlaylistReader.Segment], targetDuration: UInt64, ended: Bool)?
        while found == nil {
            do {
                found = try mediaPlaylist(source)
            } catch {
                attempt += 1
                guard attempt < 30 else { throw error }
                logger.mist(.medium, "\(source) not ready (\(error)); trying again")
                usleepMilliseconds(500)
            }
        }
        guard let playlist = found else { throw HLSInputError.empty(source) }
        if playlist.ended {
            return try FileInputRunner.run(options, name: "HLS", logger: logger) { source, stream in
                try MediaFileInput(
                    source: source, stream: stream, logger: logger,
                    read: {
                        var bytes: [UInt8] = []
                        for segment in playlist.segments {
                            let url = HTTPClient.resolve(segment.uri, against: playlist.url)
                            let response = try HTTPClient.get(url)
                            guard response.status == 200 else { throw HLSInputError.status(response.status, url) }
                            bytes += response.body
                        }
                        logger.mist(.info, "Downloaded \(playlist.segments.count) segments of \(source)")
                        return bytes
                    }, demux: TSInputCapabilities.demux
                ).load()
            }
        }
        return try FileInputRunner.runLive(options, name: "HLS", logger: logger) { source, stream, window, stop in
            let follower = HLSLiveFollower(playlist: playlist, logger: logger)
            let input = LiveTSInput(
                source: source, stream: stream, bufferWindow: window, logger: logger,
                read: { buffer, milliseconds in follower.read(into: &buffer, milliseconds: milliseconds) })
            try input.run(idleSeconds: 30, shouldStop: stop)
        }
    }
}

/// Follows a live media playlist: polls it every half target duration and hands over each new
/// segment's bytes once, starting three segments from the live edge.
final class HLSLiveFollower {
    private var url: String
    private var targetDuration: UInt64
    private var queue: [String] = []
    private var nextSequence: UInt64
    private var lastPoll = monotonicSeconds()
    private var ended = false
    private var failures = 0
    let logger: Logger

    init(
        playlist: (url: String, segments: [HLSPlaylistReader.Segment], targetDuration: UInt64, ended: Bool),
        logger: Logger
    ) {
        url = playlist.url
        // A playlist may claim any target duration; polls stay between 1 s and 60 s apart.
        targetDuration = min(max(playlist.targetDuration, 1000), 60_000)
        self.logger = logger
        let start = playlist.segments.suffix(3)
        queue = start.map { HTTPClient.resolve($0.uri, against: playlist.url) }
        nextSequence = (playlist.segments.last?.sequence ?? 0) &+ 1
    }

    func read(into buffer: inout [UInt8], milliseconds: Int) -> Int? {
        if !queue.isEmpty {
            let segment = queue.removeFirst()
            do {
                let response = try HTTPClient.get(segment)
                guard response.status == 200 else { throw HLSInputError.status(response.status, segment) }
                buffer += response.body
                failures = 0
                return response.body.count
            } catch {
                logger.mist(.warn, "Segment \(segment) failed: \(error)")
                return 0
            }
        }
        if ended { return nil }
        if monotonicSeconds() - lastPoll >= Double(targetDuration) / 2000 {
            lastPoll = monotonicSeconds()
            do {
                let playlist = try HLSInput.mediaPlaylist(url)
                for segment in playlist.segments where segment.sequence >= nextSequence {
                    queue.append(HTTPClient.resolve(segment.uri, against: playlist.url))
                    nextSequence = segment.sequence &+ 1
                }
                ended = playlist.ended
                failures = 0
            } catch {
                failures += 1
                logger.mist(.warn, "Playlist \(url) failed (\(failures) in a row): \(error)")
                if failures >= 10 { return nil }
            }
            return 0
        }
        usleepMilliseconds(min(milliseconds, 100))
        return 0
    }
}

/// Why an HLS source cannot be pulled.
public enum HLSInputError: Error, CustomStringConvertible {
    case status(Int, String)
    case empty(String)

    public var description: String {
        switch self {
        case .status(let status, let url): return "\(url) answered HTTP \(status)"
        case .empty(let url): return "\(url) holds no segments or variants"
        }
    }
}
