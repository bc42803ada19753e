import Logging
import MistCore
import MistMedia
import MistNet
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// MPEG-TS from a live source into a live stream: `tsudp://[address]:port` (unicast, or a
/// multicast group to join) or `ts-exec:<command> [arguments]` (a program whose stdout is TS,
/// started without a shell: the command line is split on spaces).
public final class LiveTSInput {
    public let source: String
    public let stream: String
    public let bufferWindow: UInt64
    let logger: Logger
    private var udp: UDPReceiver?
    private var child: (pid: pid_t, output: Int32)?
    private var pull: ((inout [UInt8], Int) -> Int?)?

    /// Whether `source` is one of the live TS forms.
    public static func handles(_ source: String) -> Bool {
        source.hasPrefix("tsudp://") || source.hasPrefix("ts-exec:")
    }

    public init(source: String, stream: String, bufferWindow: UInt64, logger: Logger) throws {
        self.source = source
        self.stream = stream
        self.bufferWindow = bufferWindow
        self.logger = logger
        if source.hasPrefix("tsudp://") {
            let authority = source.dropFirst(8).prefix { $0 != "/" && $0 != "?" }
            guard let colon = authority.lastIndex(of: ":"),
                let port = UInt16(authority[authority.index(after: colon)...])
            else { throw LiveTSInputError.badSource(source) }
            udp = try UDPReceiver(host: String(authority[..<colon]), port: port)
        } else {
            let words = source.dropFirst(8).split(separator: " ").map(String.init)
            guard let command = words.first else { throw LiveTSInputError.badSource(source) }
            child = try ChildProcess.spawnReading(command, arguments: Array(words.dropFirst()))
        }
    }

    /// A source that hands over TS bytes itself (`read(into:milliseconds:)`: bytes added, 0 while
    /// waiting, nil when it has ended), such as an HLS pull.
    public init(
        source: String, stream: String, bufferWindow: UInt64, logger: Logger,
        read: @escaping (inout [UInt8], Int) -> Int?
    ) {
        self.source = source
        self.stream = stream
        self.bufferWindow = bufferWindow
        self.logger = logger
        pull = read
    }

    deinit {
        if let child {
            close(child.output)
            kill(child.pid, SIGTERM)
            var status: Int32 = 0
            waitpid(child.pid, &status, 0)
        }
    }

    /// Bytes that arrived within `milliseconds`; nil when the source has ended.
    private func read(into buffer: inout [UInt8], milliseconds: Int) -> Int? {
        if let udp { return udp.receive(into: &buffer, timeoutMilliseconds: milliseconds) }
        if let pull { return pull(&buffer, milliseconds) }
        guard let child else { return nil }
        var entry = pollfd(fd: child.output, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(milliseconds)) > 0 else { return 0 }
        return withUnsafeTemporaryAllocation(byteCount: 65536, alignment: 16) { scratch in
            let count = Glibc.read(child.output, scratch.baseAddress, 65536)
            if count <= 0 { return count < 0 && (errno == EINTR || errno == EAGAIN) ? 0 : nil }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
            return count
        }
    }

    /// Buffers the source live until it ends (a command exits), stays silent for `idleSeconds`
    /// with no viewer, or `shouldStop` says so.
    public func run(idleSeconds: Double = 60, shouldStop: () -> Bool = { false }) throws {
        let writer = try StreamWriter(stream: stream, live: true, bufferWindow: bufferWindow)
        defer { writer.close() }
        logger.mist(.info, "Reading MPEG-TS from \(source)")
        var demuxer = TSDemuxer()
        var indices: [Int: Int] = [:]
        var held: [DemuxedSample] = []
        var firstFrameAt: Double?
        var lastData = monotonicSeconds()
        var chunk: [UInt8] = []
        var written = 0
        var refused = 0
        while !shouldStop() {
            let count = read(into: &chunk, milliseconds: 250)
            if let count, count > 0 {
                lastData = monotonicSeconds()
                try demuxer.feed(chunk[...])
                chunk.removeAll(keepingCapacity: true)
            }
            if count == nil { demuxer.finish() }
            held += demuxer.drain()
            if firstFrameAt == nil && !held.isEmpty { firstFrameAt = monotonicSeconds() }
            // Announce the tracks once every stream of the program has one (or after 3 s).
            let complete =
                demuxer.tracks.count >= demuxer.announcedStreams
                || (firstFrameAt.map { monotonicSeconds() - $0 > 3 } ?? false)
            if complete || !indices.isEmpty {
                for (index, track) in demuxer.tracks.enumerated() where indices[index] == nil {
                    indices[index] = try writer.addTrack(TrackInfo(track))
                    logger.mist(.info, "Track \(track.type) \(track.codec) from \(source)")
                }
                if writer.status != .ready && !indices.isEmpty { writer.status = .ready }
                held.sort { $0.time != $1.time ? $0.time < $1.time : $0.track < $1.track }
                for sample in held {
                    guard let index = indices[sample.track], let data = sample.data else { continue }
                    do {
                        try data.withUnsafeBytes {
                            try writer.append(
                                track: index, time: sample.time, offset: sample.offset, keyframe: sample.keyframe,
                                data: $0)
                        }
                        written += 1
                    } catch {
                        refused += 1
                    }
                }
                held.removeAll(keepingCapacity: true)
            } else if held.count > 20_000 {
                held.removeFirst(held.count - 20_000)
            }
            if count == nil {
                logger.mist(.info, "\(source) ended after \(written) frames (\(refused) refused)")
                break
            }
            if monotonicSeconds() - lastData > idleSeconds && writer.viewerCount() == 0 {
                logger.mist(.info, "No data from \(source) for \(Int(idleSeconds)) s and no viewers; stopping")
                break
            }
        }
        for warning in demuxer.warnings { logger.mist(.warn, "\(source): \(warning)") }
        // Viewers read what is buffered even after the source ends; keep it a moment longer.
        let deadline = monotonicSeconds() + 2
        while !shouldStop() && monotonicSeconds() < deadline { usleepMilliseconds(100) }
    }
}

/// Why a live TS source cannot be read.
public enum LiveTSInputError: Error, CustomStringConvertible {
    case badSource(String)

    public var description: String {
        switch self {
        case .badSource(let source): return "not a tsudp://address:port or ts-exec:command source: \(source)"
        }
    }
}
