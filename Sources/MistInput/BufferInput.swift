import Logging
import MistCore
import MistData
import MistNet
import MistShm
import MistStream

/// MistInBuffer's body: owns a live stream's shared memory, takes the pushed media that outputs
/// hand it on the stream's local push socket (DTSC frames), keeps the DVR window, lets a publisher
/// that reconnects within the grace period continue the stream, and ends once the source is gone
/// and no viewer remains.
public final class BufferInput {
    public struct Settings: Sendable {
        /// Milliseconds of media kept.
        public var bufferWindow: UInt64 = 50000
        /// How long to wait for the first source, and with `resume` for a returning one (seconds).
        public var inputTimeout: Int = 30
        /// Keep the stream after the source leaves, for as long as `inputTimeout`.
        public var resume = false
        /// Without `resume`: how long a returning source keeps the stream and its viewers (ms).
        public var reconnectGrace = 10_000
        /// The source the stream was started with, published for pushing processes to check.
        public var source = "push://"

        public init() {}
    }

    let stream: String
    let settings: Settings
    let logger: Logger
    let writer: StreamWriter
    let listener: LocalListener
    /// Where the stream's processes (`MistProc*`) hand the tracks they make.
    let processListener: LocalListener
    private let processes: StreamProcessSupervisor
    /// Connected processes, each adding tracks of its own.
    private var processSources: [ProcessSource] = []
    /// Tracks processes made, by the process entry that made them (a restarted process writes
    /// into its old tracks again); the pushed source never takes these over.
    private var processTracks: [String: [Int]] = [:]
    /// A process named its entry since connections were last checked for one entry twice.
    private var namedEntry = false
    /// The buffer's own view of its tracks (every mask), for the processes' selectors.
    private var ownReader: StreamReader?
    private var source: TCPConnection?
    private var buffer = DTSCStreamBuffer()
    /// Pushed track id → our track index, for the current source.
    private var indices: [UInt32: Int] = [:]
    /// Added to the current source's timestamps so a reconnected source continues the timeline.
    private var timeShift: UInt64?
    private var sourceCount = 0
    private var announcedReady = false
    private var announcedFull = false
    /// Whether the last STREAM_BUFFER said the stream had issues (DRY) or not (FULL, RECOVER).
    private var wentDry = false
    private var lastBandwidth: UInt64 = 0
    /// A process writes its own tracks into the stream's pages (see `checkPagePushes`).
    private var pagePush = false
    private var lastPagePushCheck = 0.0
    /// STREAM_READY said no: the buffer ends.
    private var refused = false

    public init(stream: String, settings: Settings, logger: Logger) throws {
        self.stream = stream
        self.settings = settings
        self.logger = logger
        writer = try StreamWriter(stream: stream, live: true, bufferWindow: settings.bufferWindow)
        do {
            listener = try LocalListener(name: StreamPageNames.pushSocket(stream))
        } catch {
            writer.close()
            throw error
        }
        do {
            processListener = try LocalListener(name: StreamPageNames.processSocket(stream))
        } catch {
            writer.close()
            throw error
        }
        processes = StreamProcessSupervisor(stream: stream, logger: logger)
        writer.setSource(settings.source)
        writer.status = .waiting
    }

    /// Runs until the stream is over; `shouldStop` ends it early (SIGTERM).
    public func run(shouldStop: () -> Bool) throws {
        defer { writer.close() }
        defer {
            processes.stopAll()
            for process in processSources { process.connection.close() }
        }
        var lastSourceMilliseconds = 0  // since the source left (or since start)
        var lastViewerCheck = 0
        var viewers = 0
        let tick = 50
        defer {
            if announcedFull {
                let last = (0..<writer.trackCount).compactMap { writer.lastTime(of: $0) }.max() ?? 0
                Triggers.notify(
                    "STREAM_BUFFER", stream: stream, payload: "\(stream)\nEMPTY\n\(last)", logger: logger, waiting: true
                )
            }
            Triggers.notify(
                "STREAM_UNLOAD", stream: stream, payload: "\(stream)\nBuffer\nuncancelablebuffer closing",
                logger: logger, waiting: true)
        }
        var lastHealthCheck = monotonicSeconds()
        while !shouldStop() && !refused {
            if let next = try listener.accept(timeoutMilliseconds: source == nil ? tick : 0) {
                // A publisher that reconnects may arrive before its old connection's end reached us:
                // give the old one a moment to end before refusing the new one.
                if let current = source {
                    let deadline = monotonicSeconds() + 2
                    var alive = drain(current)
                    while alive && monotonicSeconds() < deadline {
                        usleepMilliseconds(tick)
                        alive = drain(current)
                    }
                    if !alive {
                        logger.mist(.info, "Source of \(stream) left")
                        current.close()
                        source = nil
                        buffer = DTSCStreamBuffer()
                    }
                }
                if source == nil {
                    attach(next)
                } else {
                    try? next.send(DTSCFrameWriter.frame(.command, object: ["cmd": "error", "msg": "stream busy"]))
                    next.close()
                    logger.mist(.warn, "Refused a second source for \(stream): one is already pushing")
                }
            }
            if let current = source {
                do {
                    if try current.receive(into: &buffer.bytes, limit: 1 << 20, timeoutMilliseconds: tick) > 0 {
                        try consumeFrames(from: current)
                    }
                } catch {
                    logger.mist(.info, "Source of \(stream) left: \(error)")
                    current.close()
                    source = nil
                    buffer = DTSCStreamBuffer()
                    lastSourceMilliseconds = 0
                }
            } else if checkPagePushes() {
                // A process writes its tracks into the stream's pages (MistServer's outputs).
                lastSourceMilliseconds = 0
            } else if processSources.contains(where: \.external) {
                // A process of another stream feeds this one: it counts as a source.
                lastSourceMilliseconds = 0
            } else {
                lastSourceMilliseconds += tick
            }
            lastViewerCheck += tick
            if lastViewerCheck >= 500 {
                lastViewerCheck = 0
                viewers = writer.viewerCount()
            }
            serveProcesses()
            if monotonicSeconds() - lastHealthCheck >= 1 {
                lastHealthCheck = monotonicSeconds()
                checkHealth()
                checkProcesses()
            }
            guard source == nil else { continue }
            let waitLimit: Int
            if sourceCount == 0 || settings.resume {
                waitLimit = settings.inputTimeout * 1000
            } else {
                waitLimit = viewers > 0 ? settings.reconnectGrace : min(settings.reconnectGrace, 2000)
            }
            if lastSourceMilliseconds >= waitLimit {
                logger.mist(
                    .info, "Closing \(stream): no source for \(lastSourceMilliseconds) ms, \(viewers) viewer(s)")
                return
            }
        }
    }

    /// Whether a process is pushing by writing its own tracks into the stream's pages, as
    /// MistServer's outputs feed a buffer (its source records in the users table): checked four
    /// times a second; a pushed track whose writer died or whose source record ended is removed,
    /// the others are kept inside the DVR window.
    private func checkPagePushes() -> Bool {
        let now = monotonicSeconds()
        guard now - lastPagePushCheck >= 0.25 else { return pagePush }
        lastPagePushCheck = now
        let sources = writer.pushSources()
        var live = false
        for (index, pid) in writer.pushedTracks() {
            let records = sources.filter { $0.track == index }
            let writerGone = pid > 0 && !StreamCleanup.processIsAlive(pid)
            if writerGone || (!records.isEmpty && !records.contains { $0.live }) {
                logger.mist(.info, "Pushed track \(index) of \(stream) lost its source; removing it")
                writer.dropPushedTrack(index)
            } else if records.contains(where: \.live) {
                live = true
            }
        }
        if live { writer.trimPushedTracks() }
        if live != pagePush {
            pagePush = live
            if live {
                sourceCount += 1
                writer.status = .ready
                logger.mist(.info, "Source connected to \(stream), writing the stream's pages itself")
                announce(newTracks: true)
            } else {
                logger.mist(.info, "Source of \(stream) left")
                writer.status = .waiting
            }
        }
        return pagePush
    }

    /// Reads what the current source has sent so far; false once it has closed.
    private func drain(_ connection: TCPConnection) -> Bool {
        do {
            while try connection.receive(into: &buffer.bytes, limit: 1 << 20, timeoutMilliseconds: 0) > 0 {
                try consumeFrames(from: connection)
            }
            return true
        } catch {
            return false
        }
    }

    private func attach(_ connection: TCPConnection) {
        try? connection.send(
            DTSCFrameWriter.frame(.command, object: ["cmd": "ok", "msg": .string("Pushing into \(stream)")]))
        source = connection
        sourceCount += 1
        indices = [:]
        timeShift = nil
        logger.mist(.info, sourceCount == 1 ? "Source connected to \(stream)" : "Source reconnected to \(stream)")
    }

    private func consumeFrames(from connection: TCPConnection) throws {
        while let frame = try buffer.nextFrame() {
            try frame.withUnsafeBytes { raw in
                let packet = try DTSCPacket(raw)
                switch packet.kind {
                case .header:
                    let before = writer.trackCount
                    try addTracks(DTSHHeader(packet))
                    writer.status = .ready
                    announce(newTracks: writer.trackCount != before)
                case .packetV2, .packetV1:
                    guard let index = indices[packet.trackID], packet.data != nil else { return }
                    let shift = timeShift ?? shiftFor(firstTime: packet.time)
                    timeShift = shift
                    try append(packet, to: index, shift: shift)
                case .command:
                    if try packet.json()["cmd"].asString == "ping" {
                        try connection.send(DTSCFrameWriter.frame(.command, object: ["cmd": "ok", "msg": "Pong!"]))
                    }
                }
            }
        }
    }

    /// Once a second: STREAM_BUFFER FULL once two keyframe intervals are buffered, then DRY when
    /// the health object starts naming issues and RECOVER when it stops; LIVE_BANDWIDTH when the
    /// bitrate changed and reached a handler's threshold (its params, in bytes per second; a
    /// refusal ends the buffer).
    private func checkHealth() {
        let wantsBuffer = Triggers.isActive("STREAM_BUFFER", stream: stream)
        let wantsBandwidth = Triggers.isActive("LIVE_BANDWIDTH", stream: stream)
        guard wantsBuffer || wantsBandwidth, let reader = try? StreamReader(stream: stream, waitMilliseconds: 0) else {
            return
        }
        let tracks = reader.tracks()
        if wantsBuffer, let health = BufferHealth.json(reader, tracks: tracks) {
            let dry = health.hasMember("issues")
            var state: String?
            if !announcedFull {
                announcedFull = true
                state = "FULL"
            } else if dry != wentDry {
                state = dry ? "DRY" : "RECOVER"
            }
            wentDry = dry
            if let state {
                if state != "FULL" { logger.mist(.info, "Buffer of \(stream): \(state) \(health["issues"].asString)") }
                Triggers.notify(
                    "STREAM_BUFFER", stream: stream, payload: "\(stream)\n\(state)\n\(JSONWriter.compact(health))",
                    logger: logger)
            }
        }
        let bandwidth = tracks.reduce(UInt64(0)) { $0 + $1.bps }
        if wantsBandwidth && bandwidth != lastBandwidth && bandwidth > 0 {
            lastBandwidth = bandwidth
            let allowed = Triggers.allow(
                "LIVE_BANDWIDTH", stream: stream, payload: "\(stream)\n\(bandwidth)", logger: logger,
                where: { UInt64($0.params.filter(\.isNumber)) ?? 0 <= bandwidth })
            if !allowed {
                logger.mist(.warn, "LIVE_BANDWIDTH refused \(stream) at \(bandwidth) bytes/s; closing it")
                refused = true
            }
        }
    }

    /// STREAM_READY the first time the stream is ready (a refusal ends the buffer), and
    /// LIVE_TRACK_LIST whenever its tracks changed.
    private func announce(newTracks: Bool) {
        if !announcedReady {
            announcedReady = true
            if !Triggers.allow("STREAM_READY", stream: stream, payload: "\(stream)\nBuffer", logger: logger) {
                refused = true
            }
        }
        guard newTracks, Triggers.isActive("LIVE_TRACK_LIST", stream: stream),
            let reader = try? StreamReader(stream: stream, waitMilliseconds: 0)
        else { return }
        let tracks = JSONWriter.compact(TrackDescription.tracks(reader.tracks()).sortedKeys())
        Triggers.notify("LIVE_TRACK_LIST", stream: stream, payload: "\(stream)\n\(tracks)\n", logger: logger)
    }

    /// A returning source restarts its clock: shift it to just after what is buffered.
    private func shiftFor(firstTime: UInt64) -> UInt64 {
        let newest = (0..<writer.trackCount).compactMap { writer.lastTime(of: $0) }.max()
        guard let newest, firstTime <= newest else { return 0 }
        return (newest - firstTime).addingClamped(1)
    }

    /// Maps the source's tracks onto ours: a returning source's tracks onto the same type and
    /// codec, in order; others are added.
    private func addTracks(_ header: DTSHHeader) throws {
        var used = Set(indices.values).union(processTracks.values.joined())
        let existing = writer.trackInfos
        for track in header.tracks where indices[UInt32(truncatingIfNeeded: track.trackID)] == nil {
            let info = TrackInfo(track)
            if let match = existing.indices.first(where: {
                !used.contains($0) && existing[$0].type == info.type && existing[$0].codec == info.codec
            }) {
                indices[info.id] = match
                used.insert(match)
            } else {
                let index = try writer.addTrack(info)
                indices[info.id] = index
                used.insert(index)
            }
        }
    }

    // MARK: stream processes

    /// Once a second: the configured processes started or stopped (MistServer's rules, see
    /// `StreamProcessSupervisor`), the stream waiting for data while one it waits for starts,
    /// and the input tracks of one that ended with `exit_unmask`
    /// shown to everyone again.
    private func checkProcesses() {
        let configuration = ConfigPage.read(StreamPageNames.configuration(String(StreamName.baseName(stream))))
        let entries = configuration?["processes"] ?? .null
        var tracks: [StreamTrack] = []
        if !(entries.arrayValue ?? []).isEmpty && writer.trackCount > 0 {
            if ownReader == nil { ownReader = try? StreamReader(stream: stream, waitMilliseconds: 0) }
            tracks = ownReader?.tracks() ?? []
        }
        let tags = Set((Triggers.setting("stream_tags")[stream].arrayValue ?? []).compactMap(\.stringValue))
        let (ended, starting) = processes.check(entries, tracks: tracks, made: processTracks, tags: tags)
        if writer.trackCount > 0 { writer.status = starting ? .waiting : .ready }
        guard ended.contains(where: { $0["exit_unmask"].asBool }) else { return }
        let made = Set(processTracks.values.joined())
        for index in 0..<writer.trackCount where !made.contains(index) {
            writer.setMask(TrackMask.all, track: index)
        }
        logger.mist(.info, "A process of \(stream) with exit_unmask ended: its input tracks are unmasked")
    }

    /// A connected stream process: its frames, and its track ids mapped onto the stream's.
    private struct ProcessSource {
        var connection: TCPConnection
        var buffer = DTSCStreamBuffer()
        var indices: [UInt32: Int] = [:]
        /// The process entry it said it runs (its first command), which keys its tracks.
        var key = ""
        /// Which kinds of readers see the tracks it adds.
        var targetMask = TrackMask.processOutput
        /// Whether it is a process of another stream (its source is not this stream).
        var external = false
    }

    /// Takes new process connections and what the connected ones sent.
    private func serveProcesses() {
        while let next = try? processListener.accept(timeoutMilliseconds: 0) {
            try? next.send(
                DTSCFrameWriter.frame(.command, object: ["cmd": "ok", "msg": .string("Processing into \(stream)")]))
            processSources.append(ProcessSource(connection: next))
        }
        var index = 0
        while index < processSources.count {
            var process = processSources[index]
            do {
                while try process.connection.receive(
                    into: &process.buffer.bytes, limit: 1 << 20, timeoutMilliseconds: 0)
                    > 0
                {
                    try consumeProcessFrames(&process)
                }
                processSources[index] = process
                index += 1
            } catch {
                logger.mist(.info, "A process of \(stream) left: \(error)")
                process.connection.close()
                processSources.remove(at: index)
            }
        }
        // A process that came back for an entry (restarted, or switched back to its source)
        // replaces the connection the entry had: checked when a process named its entry.
        guard namedEntry else { return }
        namedEntry = false
        var keys: Set<String> = []
        for index in processSources.indices.reversed() where !processSources[index].key.isEmpty {
            if !keys.insert(processSources[index].key).inserted {
                logger.mist(.info, "A newer process of \(stream) took over the tracks of an older one")
                processSources[index].connection.close()
                processSources.remove(at: index)
            }
        }
    }

    private func consumeProcessFrames(_ process: inout ProcessSource) throws {
        while let frame = try process.buffer.nextFrame() {
            // The packet points into the frame's bytes: it is used only inside this closure.
            try frame.withUnsafeBytes { raw in
                let packet = try DTSCPacket(raw)
                switch packet.kind {
                case .command:
                    let command = try packet.json()
                    if command["cmd"].asString == "process" {
                        process.key = command["key"].asString
                        namedEntry = true
                        // The entry's `target_mask`, else viewers and pushes (not other processes).
                        let entry = try? JSONParser.parse(process.key)
                        process.external = entry.map { $0["source"].asString != stream } ?? false
                        process.targetMask =
                            entry.flatMap { TrackMask.option($0["target_mask"]) } ?? TrackMask.processOutput
                    }
                case .header:
                    try addProcessTracks(DTSHHeader(packet), of: &process)
                case .packetV2, .packetV1:
                    guard let index = process.indices[packet.trackID] else { return }
                    try append(packet, to: index)
                }
            }
        }
    }

    /// Maps a process's tracks onto the ones it made before (a restarted process), adding the rest.
    private func addProcessTracks(_ header: DTSHHeader, of process: inout ProcessSource) throws {
        let before = writer.trackCount
        var owned = processTracks[process.key] ?? []
        var reused = Set(process.indices.values)
        for track in header.tracks where process.indices[UInt32(truncatingIfNeeded: track.trackID)] == nil {
            let info = TrackInfo(track)
            if let free = owned.first(where: { !reused.contains($0) }) {
                process.indices[info.id] = free
                reused.insert(free)
            } else {
                let index = try writer.addTrack(info, mask: process.targetMask)
                process.indices[info.id] = index
                owned.append(index)
                reused.insert(index)
            }
        }
        processTracks[process.key] = owned
        writer.status = .ready
        announce(newTracks: writer.trackCount != before)
    }

    /// Writes a packet of the pushed source or of a process, its time moved on by `shift`; one
    /// out of order or before its track's first keyframe is dropped.
    private func append(_ packet: DTSCPacket, to index: Int, shift: UInt64 = 0) throws {
        guard let data = packet.data else { return }
        do {
            try writer.append(
                track: index, time: packet.time.addingClamped(shift), offset: packet.offset,
                bytePosition: packet.bytePosition, keyframe: packet.isKeyframe, data: data)
        } catch StreamWriteError.outOfOrder(let track, let time, let last) {
            logger.mist(.high, "Dropped a packet at \(time) ms on track \(track) (last \(last) ms)")
        } catch StreamWriteError.noKeyframeYet {
            return
        }
    }
}
