import Logging
import MistCore
import MistData
import MistMedia
import MistNet
import MistShm
import MistStream
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What a `MistProc*` that runs a program does: the chosen tracks of the source stream go as
/// MPEG-TS or Matroska into the program's stdin (from a keyframe, as they are published), and
/// what the program writes on its stdout comes back as new tracks of the sink stream, handed to that
/// stream's buffer on its process socket. Times pass through unchanged (the program is asked
/// to keep them), so the new tracks line up with the source's.
struct ProcessPipe {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// How media travels through the program's pipes, both ways.
    enum Container: Sendable {
        case ts
        case matroska

        var videoCodecs: Set<String> { self == .ts ? ["H264", "HEVC"] : ["H264", "HEVC", "VP8", "VP9", "AV1"] }
        var audioCodecs: Set<String> {
            self == .ts ? ["AAC", "MP3", "opus"] : ["AAC", "MP3", "opus", "vorbis", "AC3", "FLAC"]
        }
    }

    /// The process kind MistServer's `proc_list` names (`FFMPEG`, `MKVExec`).
    var kind: String
    var source: String
    var sink: String
    /// The process entry, which keys the tracks it makes in the sink's buffer.
    var key: String
    var query: [String: String]
    var program: String
    var arguments: [String]
    var container: Container
    var logger: Logger
    /// The entry's `source_mask`, applied to the tracks it reads.
    var config: JSONValue

    /// The pipe of process entry `config`: its `source`, and its `sink` (the source when unset).
    init(
        kind: String, config: JSONValue, query: [String: String], program: String, arguments: [String],
        container: Container, logger: Logger
    ) {
        self.kind = kind
        source = config["source"].asString
        sink = ProcessSink.name(of: config)
        key = JSONWriter.compact(config)
        self.query = query
        self.program = program
        self.arguments = arguments
        self.container = container
        self.logger = logger
        self.config = config
    }

    /// Runs the pipe as the process's whole life: its exit status (0 when stopped, 1 when the
    /// program, the source or the sink ended or failed, which the buffer restarts it for).
    func exitStatus(stop: @escaping @Sendable () -> Bool) -> Int32 {
        do {
            try run(stop: stop)
            return stop() ? 0 : 1
        } catch {
            logger.mist(.fail, "Processing \(source) with \(program) failed: \(error)")
            return 1
        }
    }

    /// Runs until the program ends, the source ends, the sink's buffer leaves or `stop()`. A
    /// process that feeds another stream goes on from another source when its own ends (see
    /// `ProcessSourceSwitch`), its times continuing where the last source's stopped.
    func run(stop: @escaping @Sendable () -> Bool) throws {
        let sinkConnection = try Self.connect(sink: sink, key: key, logger: logger)
        defer { sinkConnection.close() }
        let started = monotonicSeconds()
        var current = source
        var continueAfter: UInt64?
        while true {
            guard
                let last = try pipe(
                    from: current, continuing: continueAfter, into: sinkConnection, started: started, stop: stop),
                sink != source, !stop(),
                let next = ProcessSourceSwitch.next(
                    sink: sink, current: current, time: last, config: config, logger: logger)
            else { return }
            logger.mist(.info, "Switching the \(kind) process into \(sink) from \(current) to \(next)")
            current = next
            continueAfter = last
        }
    }

    /// One run of the program on `source`: nil when it ended by itself or was stopped, else
    /// (the source ended) the newest media time handed to it. `continuing` moves the source's
    /// times to just after that time.
    private func pipe(
        from source: String, continuing: UInt64?, into sinkConnection: TCPConnection, started: Double,
        stop: @escaping @Sendable () -> Bool
    ) throws -> UInt64? {
        let opened = try TrackChoice.open(
            source, videoCodecs: container.videoCodecs, audioCodecs: container.audioCodecs, query: query, logger: logger
        )
        let tracks = [opened.video, opened.audio].compactMap { $0 }
        ProcessOptions.maskSources(config, tracks: tracks, source: source, logger: logger)
        let child = try ChildProcess.spawnPiped(program, arguments: arguments, captureOutput: true)
        guard let output = child.output else { throw Failure(description: "\(program) has no output pipe") }
        let described = tracks.map { "\($0.info.type) \($0.info.codec)" }.joined(separator: ", ")
        logger.mist(.info, "Processing \(described) of \(source) with \(program) (pid \(child.pid)) into \(sink)")
        let feeding = Atomic<Bool>(true)
        let feeder = Feeder(
            reader: opened.reader, tracks: tracks, container: container, input: child.input, continuing: continuing,
            logger: logger)
        startDetachedThread {
            feeder.run { stop() || !feeding.load(ordering: .relaxed) }
            close(child.input)
        }
        defer {
            feeding.store(false, ordering: .relaxed)
            close(output)
            if ChildProcess.reap(child.pid) == nil {
                kill(child.pid, SIGTERM)
                ChildProcess.reapWhenDone(child.pid)
            }
        }
        var ingest: any PipedIngest = container == .ts ? TSIngest() : MatroskaIngest()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var warned = 0
        var reported = 0.0
        while !stop() {
            if monotonicSeconds() - reported >= 5 {
                reported = monotonicSeconds()
                report(
                    active: Int64(reported - started), tracks: tracks, child: child.pid, sourceTime: feeder.lastTime,
                    sinkTime: ingest.lastTime)
            }
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 500)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                logger.mist(.warn, "\(program) (pid \(child.pid)) of \(source) ended")
                return feeder.sourceEnded ? feeder.lastTime : nil
            }
            let frames = try ingest.feed(chunk[0..<count])
            if ingest.warnings.count > warned {
                for warning in ingest.warnings[warned...] { logger.mist(.warn, "\(program) output: \(warning)") }
                warned = ingest.warnings.count
            }
            if !frames.isEmpty { try sinkConnection.send(frames) }
        }
        return nil
    }

    /// A connection to the buffer of `sink` that takes the tracks of process entry `key`; the
    /// buffer is started when the sink is another stream that is not active yet.
    static func connect(sink: String, key: String, logger: Logger) throws -> TCPConnection {
        let name = StreamPageNames.processSocket(sink)
        var opened = try? LocalListener.connect(name: name)
        if opened == nil && StreamStarter.controllerIsRunning {
            try StreamStarter.start(sink, isProvider: true, timeoutSeconds: 10, logger: logger)
            let deadline = monotonicSeconds() + 10
            while opened == nil && monotonicSeconds() < deadline {
                opened = try? LocalListener.connect(name: name)
                if opened == nil { usleepMilliseconds(50) }
            }
        }
        let connection = try opened ?? LocalListener.connect(name: name)
        do {
            try connection.send(DTSCFrameWriter.frame(.command, object: ["cmd": "process", "key": .string(key)]))
        } catch {
            connection.close()
            throw error
        }
        if let refusal = BufferPushClient.awaitAcceptance(connection) {
            connection.close()
            throw Failure(description: "the buffer of \(sink) refused the process: \(refusal)")
        }
        return connection
    }

    /// Tells the controller how the process goes (MistServer's `proc_status_update`, every five
    /// seconds), for `proc_list`.
    private func report(active: Int64, tracks: [StreamTrack], child: pid_t, sourceTime: UInt64, sinkTime: UInt64) {
        let status: JSONValue = [
            "active_seconds": .int(active), "source_tracks": .array(tracks.map { .int(Int64($0.index)) }),
            "ainfo": [
                "child_pid": .int(Int64(child)), "cmd": .string(([program] + arguments).joined(separator: " ")),
                "sourceTime": .int(Int64(clamping: sourceTime)), "sinkTime": .int(Int64(clamping: sinkTime)),
            ],
        ]
        UDPAPIClient.send([
            "proc_status_update": [
                "id": .int(Int64(getpid())), "proc": .string(kind), "source": .string(source), "sink": .string(sink),
                "status": status,
            ]
        ])
    }
}

/// Writes the source's packets (TS or Matroska) into the program's stdin, on a thread of its own.
private final class Feeder: @unchecked Sendable {
    let reader: StreamReader
    let tracks: [StreamTrack]
    let container: ProcessPipe.Container
    let input: Int32
    let logger: Logger
    /// The time the last source's media reached, which this source's continues after.
    let continuing: UInt64?
    /// The newest media time handed to the program (read by the status reports).
    private let newest = Atomic<UInt64>(0)
    var lastTime: UInt64 { newest.load(ordering: .relaxed) }
    private let ended = Atomic<Bool>(false)
    /// Whether the source ended (rather than the program or a stop).
    var sourceEnded: Bool { ended.load(ordering: .relaxed) }

    init(
        reader: StreamReader, tracks: [StreamTrack], container: ProcessPipe.Container, input: Int32,
        continuing: UInt64?, logger: Logger
    ) {
        self.reader = reader
        self.tracks = tracks
        self.container = container
        self.input = input
        self.continuing = continuing
        self.logger = logger
    }

    func run(stop: () -> Bool) {
        do {
            var muxer: any LiveMuxer =
                container == .ts ? try TSLiveMuxer(tracks: tracks) : try MatroskaLiveMuxer(tracks: tracks, webm: false)
            guard writeAll(muxer.header) else { return }
            var keyframeStart = KeyframeStart(tracks: tracks)
            var piece: [UInt8] = []
            var shift = PacketShift(continuing: continuing)
            while !stop() {
                switch try reader.next(timeoutMilliseconds: 500, pollMilliseconds: ProcessOptions.pollMilliseconds) {
                case .end:
                    ended.store(true, ordering: .relaxed)
                    return
                case .timeout: continue
                case .packet(let packet):
                    guard let (position, data) = keyframeStart.admit(packet) else { continue }
                    piece.removeAll(keepingCapacity: true)
                    // A later source's times continue after the last one's.
                    let time = try shift.apply(packet, data: data) { packet, data in
                        _ = try muxer.add(position: position, packet: packet, data: data, into: &piece)
                        return packet.time
                    }
                    guard writeAll(piece) else { return }
                    newest.store(time, ordering: .relaxed)
                }
            }
        } catch {
            logger.mist(.warn, "Reading the source for the process ended: \(error)")
        }
    }

    /// Writes every byte (the program reads at its own pace); false once it stopped reading.
    private func writeAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(input, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}
