import Logging
import MistCore
import MistData
import MistMedia
import MistNet
import MistShm
import MistStream

#if canImport(Glibc)
    import Glibc
#endif

/// An output started to push a stream somewhere (`MistOut<X> --stream <name> <target>`, as
/// MistServer starts its pushes): a file by its extension (`.ts`, `.flv`, `.mp4` written as
/// fragmented MP4 so an interrupted recording plays) or an `rtmp://` URL. File targets take
/// MistServer's parameters: `?split=<seconds>` (a new file at the first keyframe after that
/// long, `$segmentCounter` and `$currentMediaTime` in the name), `?append=1`,
/// `?recstart=`/`?recstop=` (stream milliseconds), and track selectors.
public enum PushOutput {
    /// What every push-capable output declares besides its own options.
    public static func pushCapable(_ capabilities: Capabilities, urls: [String]) -> Capabilities {
        var capabilities = capabilities
        capabilities.hiddenOptions.append(.stream)
        capabilities.positional.append(
            PositionalArgument(
                "target", help: "Where to push the stream (file or URL); without one the output listens", default: ""))
        capabilities.extra["push_urls"] = .array(urls.map { .string($0) })
        return capabilities
    }

    /// The target given on the command line, if this process was started to push.
    public static func target(_ options: ParsedOptions) -> String? {
        guard let target = options.string("target"), !target.isEmpty, target != "-" else { return nil }
        return target
    }

    /// Why a push ended, for RECORDING_END and the log.
    struct Ending: Error {
        var code: String
        var text: String
    }

    public static func run(_ options: ParsedOptions, connector: String, logger: Logger) -> Int32 {
        guard let stream = options.string("streamname"), !stream.isEmpty, let target = target(options) else {
            logger.mist(.fail, "A push needs --stream and a target")
            return 1
        }
        // SIGHUP (`push_stop_graceful`) ends a push as cleanly as SIGTERM: what is in flight is
        // sent and the remote end is told before the connection closes.
        let stopSignals = StopSignals.block(hangup: true)
        // A push sees the tracks masked for pushes, or every track when its target says `unmask`.
        let unmask = target.split(separator: "?", maxSplits: 1).dropFirst().first.map { query in
            URLQuery.parse(Array(query.utf8)).contains { $0.name == "unmask" }
        }
        TrackMask.ofThisProcess = unmask == true ? TrackMask.all : TrackMask.pushes
        // The connection triggers, as MistServer's outputs fire them for pushes: no address and
        // no request URL; CONN_PLAY only for pushes to another server (not files).
        let admission = PlayAdmission(host: "", connector: connector, url: "", token: "", logger: logger)
        let remote =
            ["rtmp://", "rtmps://", "dtsc://"].contains { target.hasPrefix($0) } || TSPushTarget.handles(target)
            || WebRTCPush.handles(target)
        guard Triggers.allow("CONN_OPEN", stream: stream, payload: admission.payload(stream), logger: logger),
            !remote || admission.play(stream)
        else {
            logger.mist(.fail, "Push of \(stream) to \(target) refused by a trigger")
            return 1
        }
        // Waited for: the process ends right after.
        defer {
            Triggers.notify(
                "CONN_CLOSE", stream: stream, payload: admission.payload(stream), logger: logger, waiting: true)
        }
        let started = unixSeconds()
        let status = PushStatus(target: target)
        defer { status.remove() }
        let summary: Summary
        if target.hasPrefix("rtmp://") || target.hasPrefix("rtmps://") {
            summary = pushRTMP(stream: stream, target: target, status: status, logger: logger) {
                stopSignals.arePending
            }
        } else if TSPushTarget.handles(target) {
            summary = pushTS(stream: stream, target: target, status: status, logger: logger) {
                stopSignals.arePending
            }
        } else if target.hasPrefix("mkv-exec:") {
            summary = pushTS(stream: stream, target: target, status: status, logger: logger, matroska: true) {
                stopSignals.arePending
            }
        } else if WebRTCPush.handles(target) {
            summary = WebRTCPush.run(stream: stream, target: target, status: status, logger: logger) {
                stopSignals.arePending
            }
        } else if target.hasPrefix("dtsc://") {
            summary = pushDTSC(stream: stream, target: target, status: status, logger: logger) {
                stopSignals.arePending
            }
        } else {
            summary = record(stream: stream, target: target, connector: connector, status: status, logger: logger) {
                stopSignals.arePending
            }
        }
        let now = unixSeconds()
        let media = (summary.last ?? 0) &- (summary.first ?? 0)
        let lines = [
            stream, target, connector, String(summary.bytes), String(now - started), String(started), String(now),
            String(summary.first == nil ? 0 : media), String(summary.first ?? UInt64.max), String(summary.last ?? 0),
            summary.code, summary.text,
        ]
        Triggers.notify(
            "OUTPUT_END", stream: stream, payload: lines.joined(separator: "\n") + "\n", logger: logger, waiting: true)
        return summary.code.hasPrefix("CLEAN") ? 0 : 1
    }

    /// How a push went, for OUTPUT_END.
    struct Summary {
        var bytes = 0
        var first: UInt64?
        var last: UInt64?
        var code = "CLEAN_EOF"
        var text = "end of stream"
    }

    // MARK: RTMP

    static func pushRTMP(stream: String, target: String, status: PushStatus, logger: Logger, stop: () -> Bool)
        -> Summary
    {
        var summary = Summary()
        do {
            let playback = try FLVPlayback(stream: stream, logger: logger)
            let publisher = try RTMPPublisher(url: target, logger: logger)
            defer { publisher.connection.close() }
            let sink = FLVPlayback.rtmp(publisher.encoder)
            var out: [UInt8] = []
            var metadata = playback.metadata()
            metadata.payload = AMF0.encode([.string("@setDataFrame")]) + metadata.payload
            publisher.encoder.encode(metadata, chunkStream: FLVPlayback.dataChunkStream, into: &out)
            playback.configurations(sink: sink, into: &out)
            try publisher.connection.send(out)
            out.removeAll()
            while !playback.ended && !stop() {
                if try !playback.pump(sink: sink, into: &out, budget: 64 * 1024) && out.isEmpty {
                    usleepMilliseconds(10)
                }
                if !out.isEmpty {
                    try publisher.connection.send(out, timeoutMilliseconds: 30_000)
                    summary.bytes += out.count
                    out.removeAll(keepingCapacity: true)
                }
                if let origin = playback.origin {
                    summary.first = origin
                    summary.last = playback.newestSent
                }
                status.report(bytes: summary.bytes, time: summary.last)
                try publisher.drain()
            }
            if stop() { (summary.code, summary.text) = ("CLEAN_SIGNAL", "stopped") }
            publisher.unpublish()
            logger.mist(.info, "Push of \(stream) to \(target) ended")
        } catch {
            logger.mist(.fail, "Push of \(stream) to \(target) failed: \(error)")
            (summary.code, summary.text) = ("WRITE_FAILURE", "\(error)")
        }
        return summary
    }

    // MARK: DTSC

    /// `dtsc://host[:port]/stream`: the stream as DTSC to another server's DTSC output, which
    /// hands it to that stream's buffer.
    static func pushDTSC(stream: String, target: String, status: PushStatus, logger: Logger, stop: () -> Bool)
        -> Summary
    {
        var summary = Summary()
        do {
            let rest = target.dropFirst(7)
            let authority = rest.prefix { $0 != "/" }
            let remote = String(rest.dropFirst(authority.count + 1).prefix { $0 != "?" })
            var host = String(authority)
            var port: UInt16 = 4200
            if let colon = authority.lastIndex(of: ":"),
                let parsed = UInt16(authority[authority.index(after: colon)...])
            {
                host = String(authority[..<colon])
                port = parsed
            }
            guard !remote.isEmpty else { throw Ending(code: "FORMAT_SPECIFIC", text: "no stream name in \(target)") }
            let reader = try StreamReader(stream: stream, waitMilliseconds: 5000)
            let tracks = reader.tracks()
            guard !tracks.isEmpty else { throw Ending(code: "READ_START_FAILURE", text: "\(stream) has no tracks") }
            try reader.select(tracks.map(\.index))
            if reader.isLive { try reader.seekToLiveEdge() }
            let connection = try TCPConnection.connect(host: host, port: port)
            defer { connection.close() }
            try connection.send(DTSCFrameWriter.frame(.command, object: ["cmd": "push", "stream": .string(remote)]))
            try awaitAcceptance(connection, target: target)
            let header = try reader.header(includeTables: false, renumber: true).encode(includeTables: false)
            try connection.send(header)
            summary.bytes += header.count
            logger.mist(.info, "Pushing \(stream) to \(target) as DTSC")
            var scratch: [UInt8] = []
            var replies: [UInt8] = []
            while !stop() {
                switch try reader.next(timeoutMilliseconds: 500) {
                case .end:
                    return summary
                case .timeout:
                    break
                case .packet(let packet):
                    scratch.removeAll(keepingCapacity: true)
                    DTSCWire.append(packet, to: &scratch)
                    try connection.send(scratch)
                    summary.bytes += packet.bytes.count
                    summary.first = summary.first ?? packet.time
                    summary.last = packet.time
                    status.report(bytes: summary.bytes, time: packet.time)
                }
                // The receiving end answers pings and may refuse later; a closed connection ends the push.
                replies.removeAll(keepingCapacity: true)
                _ = try connection.receive(into: &replies, timeoutMilliseconds: 0)
            }
            (summary.code, summary.text) = ("CLEAN_SIGNAL", "stopped")
        } catch let ending as Ending {
            logger.mist(.fail, "Push of \(stream) to \(target) failed: \(ending.text)")
            (summary.code, summary.text) = (ending.code, ending.text)
        } catch {
            logger.mist(.fail, "Push of \(stream) to \(target) failed: \(error)")
            (summary.code, summary.text) = ("WRITE_FAILURE", "\(error)")
        }
        return summary
    }

    /// Reads the receiving server's commands until it takes the push (`ok`); its greeting and
    /// pings are answered or skipped, an `error` ends the push.
    static func awaitAcceptance(_ connection: TCPConnection, target: String) throws {
        var buffer = DTSCStreamBuffer()
        let deadline = monotonicSeconds() + 15
        while monotonicSeconds() < deadline {
            while let frame = try buffer.nextFrame() {
                let reply = try frame.withUnsafeBytes { raw throws(DTMIError) in try DTSCPacket(raw).json() }
                switch reply["cmd"].asString {
                case "ok": return
                case "error":
                    throw Ending(code: "UNAUTHORISED", text: "\(target) refused the push: \(reply["msg"].asString)")
                case "ping":
                    try connection.send(DTSCFrameWriter.frame(.command, object: ["cmd": "ok", "msg": "Pong!"]))
                default: continue
                }
            }
            _ = try connection.receive(into: &buffer.bytes, timeoutMilliseconds: 100)
        }
        throw Ending(code: "WRITE_FAILURE", text: "\(target) did not take the push in time")
    }

    // MARK: files

    static func record(
        stream: String, target: String, connector: String, status: PushStatus, logger: Logger, stop: () -> Bool
    ) -> Summary {
        let path = String(target.prefix { $0 != "?" })
        var query: [String: String] = [:]
        if let mark = target.firstIndex(of: "?") {
            for (name, value) in URLQuery.parse(Array(target[target.index(after: mark)...].utf8)) {
                query[name] = value
            }
        }
        let askedSplit = UInt64(query["split"] ?? "") ?? 0
        let append = query["append"] == "1"
        var window = PlaybackWindow()
        window.start = UInt64(query["recstart"] ?? "")
        window.stop = UInt64(query["recstop"] ?? "")
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        let started = unixSeconds()
        // An HLS recording: TS segments beside the playlist (six seconds unless split says).
        let isHLS = ext == "m3u8"
        var playlist: HLSRecordingPlaylist?
        var pattern = path
        var split = askedSplit
        if isHLS {
            let base = String(path.dropLast(5))
            pattern = base + "_$segmentCounter.ts"
            playlist = HLSRecordingPlaylist(path: StreamVariables.substitute(path, stream: stream))
            if split == 0 { split = 6 }
        }
        var recorder = FileRecorder(stream: stream, pattern: pattern, connector: connector, logger: logger)
        do {
            var videoCodecs: Set<String> = ext == "flv" ? FLVPlayback.videoCodecs : ["H264", "HEVC"]
            var audioCodecs: Set<String> = ext == "flv" ? FLVPlayback.audioCodecs : ["AAC", "MP3", "opus"]
            if ext == "webm" {
                (videoCodecs, audioCodecs) = (["VP8", "VP9", "AV1"], ["opus", "vorbis"])
            } else if ext == "mkv" {
                videoCodecs.formUnion(["VP8", "VP9", "AV1"])
                audioCodecs.formUnion(["vorbis", "AC3"])
            }
            let opened = try TrackChoice.open(
                stream, videoCodecs: videoCodecs, audioCodecs: audioCodecs, query: query, logger: logger)
            try window.seek(opened.reader, selected: [opened.video, opened.audio].compactMap { $0?.index })
            let tracks = [opened.video, opened.audio].compactMap { $0 }
            var muxer: any LiveMuxer
            switch ext {
            case "ts", "m3u8": muxer = try TSLiveMuxer(tracks: tracks)
            case "flv": muxer = FLVLiveMuxer(tracks: tracks)
            case "mp4", "fmp4", "m4v": muxer = try FMP4LiveMuxer(tracks: tracks, perFrame: false)
            case "mkv", "webm": muxer = try MatroskaLiveMuxer(tracks: tracks, webm: ext == "webm")
            default: throw Ending(code: "UNSUPPORTED", text: "no muxer for .\(ext) files")
            }
            logger.mist(.info, "Recording \(stream) to \(path)")
            var keyframeStart = KeyframeStart(tracks: tracks)
            var piece: [UInt8] = []
            reading: while !stop() {
                switch try opened.reader.next(timeoutMilliseconds: 500) {
                case .end: break reading
                case .timeout: continue
                case .packet(let packet):
                    if let stopAt = window.stop, packet.time > stopAt { break reading }
                    guard let (position, data) = keyframeStart.admit(packet) else { continue }
                    piece.removeAll(keepingCapacity: true)
                    let joinable = try muxer.add(position: position, packet: packet, data: data, into: &piece)
                    if !recorder.isOpen
                        || (joinable && split > 0 && packet.time >= recorder.segmentStart + split * 1000)
                    {
                        if recorder.isOpen {
                            let finished = (recorder.path, packet.time &- recorder.segmentStart)
                            recorder.close(code: "CLEAN_EOF", text: "split", waiting: false)
                            playlist?.add(segment: finished.0, milliseconds: finished.1)
                        }
                        try recorder.open(time: packet.time, append: append, header: muxer.header)
                    }
                    try recorder.write(piece, time: packet.time)
                    status.report(bytes: recorder.totalBytes, time: packet.time, target: recorder.path)
                }
            }
            let tail = muxer.finish()
            if recorder.isOpen { try recorder.write(tail, time: nil) }
            if recorder.isOpen, var finished = playlist {
                finished.add(segment: recorder.path, milliseconds: recorder.lastWritten &- recorder.segmentStart + 40)
                finished.write(ended: true)
            }
            let ending =
                stop()
                ? Ending(code: "CLEAN_SIGNAL", text: "stopped") : Ending(code: "CLEAN_EOF", text: "end of stream")
            recorder.close(code: ending.code, text: ending.text)
            logger.mist(.info, "Recording of \(stream) ended after \(unixSeconds() - started) s")
            return Summary(
                bytes: recorder.totalBytes, first: recorder.overallFirst, last: recorder.overallLast, code: ending.code,
                text: ending.text)
        } catch let ending as Ending {
            logger.mist(.fail, "Recording of \(stream) to \(path) failed: \(ending.text)")
            recorder.close(code: ending.code, text: ending.text)
            return Summary(
                bytes: recorder.totalBytes, first: recorder.overallFirst, last: recorder.overallLast, code: ending.code,
                text: ending.text)
        } catch {
            logger.mist(.fail, "Recording of \(stream) to \(path) failed: \(error)")
            recorder.close(code: "INTERNAL_ERROR", text: "\(error)")
            return Summary(
                bytes: recorder.totalBytes, first: recorder.overallFirst, last: recorder.overallLast,
                code: "INTERNAL_ERROR", text: "\(error)")
        }
    }

    static func unixSeconds() -> Int64 { Int64(time(nil)) }
}

/// The file a recording writes now: opened per segment with its name's variables filled in,
/// RECORDING_END fired as each one is closed.
struct FileRecorder {
    let stream: String
    let pattern: String
    let connector: String
    let logger: Logger
    private var descriptor: Int32 = -1
    private(set) var path = ""
    private(set) var segmentStart: UInt64 = 0
    private var counter = 0
    private var bytes = 0
    /// Across every file of this recording, for OUTPUT_END.
    private(set) var totalBytes = 0
    private(set) var overallFirst: UInt64?
    private(set) var overallLast: UInt64?
    private var firstTime: UInt64?
    private var lastTime: UInt64?
    /// The newest packet time written to the current file.
    var lastWritten: UInt64 { lastTime ?? segmentStart }
    private var openedAt: Int64 = 0
    /// The external writer process of a URL target, waited for when its file is closed.
    private var writer: pid_t?

    init(stream: String, pattern: String, connector: String, logger: Logger) {
        self.stream = stream
        self.pattern = pattern
        self.connector = connector
        self.logger = logger
    }

    var isOpen: Bool { descriptor >= 0 }

    mutating func open(time: UInt64, append: Bool, header: [UInt8]) throws {
        var name = StreamVariables.substitute(
            StreamVariables.replace(
                StreamVariables.replace(pattern, "$segmentCounter", String(counter)), "$currentMediaTime", String(time)),
            stream: stream)
        // A split recording whose name has no variable would overwrite itself: number the files.
        if counter > 0 && name == path {
            let dot = name.lastIndex(of: ".") ?? name.endIndex
            name = String(name[..<dot]) + "_\(counter)" + String(name[dot...])
        }
        if name.contains("://") {
            let external = try ExternalWriter.open(name)
            descriptor = external.descriptor
            writer = external.pid
        } else {
            let folder = String(name[..<(name.lastIndex(of: "/") ?? name.startIndex)])
            if !folder.isEmpty { mkdir(folder, 0o755) }
            let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
            descriptor = Glibc.open(name, flags, 0o644)
            guard descriptor >= 0 else {
                throw PushOutput.Ending(
                    code: "WRITE_FAILURE", text: "cannot open \(name): \(String(cString: strerror(errno)))")
            }
        }
        path = name
        segmentStart = time
        counter += 1
        bytes = 0
        firstTime = nil
        lastTime = nil
        openedAt = PushOutput.unixSeconds()
        var existing = stat()
        let isEmpty = fstat(descriptor, &existing) == 0 && existing.st_size == 0
        if !header.isEmpty && (!append || isEmpty) { try write(header, time: nil) }
        logger.mist(.info, "Writing \(path)")
    }

    mutating func write(_ piece: [UInt8], time: UInt64?) throws {
        if let time {
            firstTime = firstTime ?? time
            lastTime = time
            overallFirst = overallFirst ?? time
            overallLast = time
        }
        var offset = 0
        while offset < piece.count {
            let written = piece.withUnsafeBytes { raw in
                raw.baseAddress.map { Glibc.write(descriptor, $0 + offset, raw.count - offset) } ?? 0
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw PushOutput.Ending(
                    code: "WRITE_FAILURE", text: "writing \(path) failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        bytes += piece.count
        totalBytes += piece.count
    }

    /// Closes the file and fires RECORDING_END with MistServer's twelve lines (waiting for its
    /// handlers when the process is about to end).
    mutating func close(code: String, text: String, waiting: Bool = true) {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
        if let writer {
            ExternalWriter.finish(writer, logger: logger)
            self.writer = nil
        }
        let now = PushOutput.unixSeconds()
        let media = (lastTime ?? 0) &- (firstTime ?? 0)
        let lines = [
            stream, path, connector, String(bytes), String(now - openedAt), String(openedAt), String(now),
            String(firstTime == nil ? 0 : media), String(firstTime ?? UInt64.max), String(lastTime ?? 0), code, text,
        ]
        Triggers.notify(
            "RECORDING_END", stream: stream, payload: lines.joined(separator: "\n") + "\n", logger: logger,
            waiting: waiting)
        logger.mist(.info, "Closed \(path) (\(bytes) bytes, \(media) ms)")
    }
}
