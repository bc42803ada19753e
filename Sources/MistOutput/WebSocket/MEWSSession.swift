import Logging
import MistCore
import MistData
import MistMedia
import MistShm
import MistStream
import NIOCore

/// MP4 over WebSocket (MistServer's `ws/video/mp4`, "MEWS"), one viewer on its channel's loop:
/// JSON commands in, JSON notices and binary fMP4 out, as MistServer's MP4 output and its
/// player's `mews.js` speak it. `request_codec_data` (with the player's `supported_codecs`)
/// chooses the tracks and answers `codec_data`, an `info` notice and the init segment; every
/// frame then goes out as one `moof`+`mdat` message. `seek` (a time or `"live"`), `play`,
/// `pause`, `hold`, `set_speed`, `fast_forward`, `tracks` and `stop` steer it; `on_time` reports
/// the position every second and `on_stop` the end. At the live point frames go out as they
/// are published, from the fan-out group of live fMP4 that progressive MP4 viewers share (the
/// same chunks, each a binary message); elsewhere they are muxed for this viewer and paced to the
/// playback clock (times the rate) a little ahead, after sending what lies between a seek's
/// keyframe and its target at once.
final class MEWSSession: WebSocketSession, @unchecked Sendable {
    static let videoCodecs: Set<String> = ["H264", "HEVC"]
    static let audioCodecs: Set<String> = ["AAC", "MP3", "opus"]
    /// How far ahead of the playback clock a paced viewer is sent, in milliseconds: enough to
    /// ride out a hiccup, small enough that a seek or a rate change is seen at once.
    static let lead: UInt64 = 2000
    /// A seek this close to the newest data (ms) joins the live point, as MistServer's does.
    static let liveMargin: UInt64 = 5000

    private let connection: ChannelConnection
    private let reader: StreamReader
    private let stream: String
    private let logger: Logger
    /// The viewer's selectors (`video=`, `audio=`), from the URL and then `tracks` commands.
    private var query: [String: String]
    /// The codecs the player can decode (`supported_codecs`), when it said.
    private var supported: Set<String>?
    private var tracks: [StreamTrack]
    private var muxer: FMP4LiveMuxer?
    private var feed: PacketFeed
    private var onClose: (() -> Void)?

    /// Whether frames are sent (MistServer's `parseData`): from the first `request_codec_data`
    /// or `play` until a `pause`, `hold` or the end.
    private var sending = false
    /// 0 is "auto" (real time, or as published at the live point); else a multiplier.
    private var rate = 0.0
    /// Following the live point: frames go out as they are published.
    private var stayLive: Bool
    /// Frames before this time go out at once (a seek's run-up from its keyframe).
    private var forwardTo: UInt64?
    /// The playback clock: when, and at which media time, pacing started.
    private var clock: (wall: ContinuousClock.Instant, media: UInt64)?
    /// The media time of the newest frame sent.
    private var current: UInt64 = 0
    /// A muxed frame waiting for the clock.
    private var held: (time: UInt64, bytes: [UInt8])?
    private var done = false
    private var ticker: LoopTimer?
    /// Where frames come from: this session's own reader and muxer, or (following the live
    /// point at the normal rate) the fan-out group of live fMP4, whose chunks every viewer of
    /// the stream shares, each sent as a binary message.
    private enum Shared {
        case none
        case joining
        case joined(FanOutLane, FanOutViewer)
    }
    private var shared = Shared.none
    /// Counts joins, so a join that completes after the viewer moved on lets go at once.
    private var joins = 0
    private var retry: Scheduled<Void>?
    private var parked = false

    init(
        connection: ChannelConnection, reader: StreamReader, stream: String, tracks: [StreamTrack],
        query: [String: String], logger: Logger, onClose: (() -> Void)?
    ) {
        self.connection = connection
        self.reader = reader
        self.stream = stream
        self.tracks = tracks
        self.query = query
        self.logger = logger
        self.onClose = onClose
        feed = PacketFeed(reader, tracks: tracks)
        stayLive = reader.isLive
    }

    func start() {
        logger.mist(.info, "MP4 WebSocket viewer \(connection.peer) connected to \(stream)")
        ticker = LoopTimer(loop: connection.channel.eventLoop, interval: .seconds(1)) { [weak self] in self?.onTime() }
    }

    // MARK: Commands

    func received(text: String) {
        guard !done, text.utf8.count <= WebSocketHandler.maximumMessage,
            let command = try? JSONParser.parse(text), command.isObject, command.hasMember("type")
        else { return }
        switch command["type"].asString {
        case "request_codec_data":
            if let list = command["supported_codecs"].arrayValue {
                supported = Set(list.prefix(64).map(\.asString))
            }
            restart(at: nil, notice: "codec_data")
            sending = true
            go()
        case "seek":
            seek(command)
        case "play":
            sending = true
            if command.hasMember("seek_time") {
                seek(command)
            } else {
                clock = nil
                if muxer == nil { restart(at: nil, notice: "codec_data") }
                go()
            }
        case "pause":
            leaveGroup()
            sending.toggle()
            clock = nil
            send(["type": "pause", "paused": .bool(!sending)])
            go()
        case "hold":
            leaveGroup()
            sending = false
            send(["type": "pause", "paused": true])
        case "set_speed":
            setSpeed(command)
        case "fast_forward":
            guard command.hasMember("ff_to") else {
                return send(["type": "warning", "warning": "Ignored fast_forward command: ff_to property missing"])
            }
            leaveGroup()
            let target = milliseconds(command["ff_to"])
            if target > current { forwardTo = target } else { clock = nil }
            onTime()
            go()
        case "tracks":
            for type in ["video", "audio"] where command.hasMember(type) {
                let value = command[type]
                if value.isNull || value.asString == "auto" { query[type] = nil } else { query[type] = value.asString }
            }
            // At the live point the new tracks start at the live point; elsewhere where playback is.
            let time: UInt64? =
                command.hasMember("seek_time")
                ? milliseconds(command["seek_time"]) : reader.isLive && stayLive ? nil : current
            restart(at: time, notice: "tracks", onlyIfChanged: true)
            go()
        case "stop":
            logger.mist(.info, "MP4 WebSocket viewer \(connection.peer) asked to stop")
            connection.closeAfterWrites()
        default:
            break
        }
    }

    /// Chooses the tracks again, positions the reader and sends `notice` (`codec_data` or
    /// `tracks`) and a new init segment (also for the same tracks, unless `onlyIfChanged`): at
    /// `time`, or where a new viewer starts (the live point, or the file's start) when nil.
    private func restart(at time: UInt64?, notice: String, onlyIfChanged: Bool = false) {
        let all = reader.tracks()
        let videoCodecs = supported.map { MEWSSession.videoCodecs.intersection($0) } ?? MEWSSession.videoCodecs
        let audioCodecs = supported.map { MEWSSession.audioCodecs.intersection($0) } ?? MEWSSession.audioCodecs
        let (video, audio) = TrackChoice.choose(all, videoCodecs: videoCodecs, audioCodecs: audioCodecs, query: query)
        let chosen = [video, audio].compactMap { $0 }
        guard !chosen.isEmpty else {
            sending = false
            return send(["type": "error", "data": "No track of this stream can be played with the codecs given"])
        }
        let changed = chosen.map(\.index) != tracks.map(\.index)
        if onlyIfChanged && !changed && muxer != nil { return }
        leaveGroup()
        do {
            try reader.select(chosen.map(\.index))
            if let time {
                try reader.seek(to: time)
                stayLive = false
                forwardTo = time
            } else if reader.isLive {
                try reader.seekToLiveEdge()
                stayLive = rate == 0
                forwardTo = nil
            }
            muxer = try FMP4LiveMuxer(tracks: chosen)
        } catch {
            logger.mist(.warn, "MP4 WebSocket viewer \(connection.peer) of \(stream): \(error)")
            sending = false
            return send(["type": "error", "data": .string("Could not start playback: \(error)")])
        }
        tracks = chosen
        feed = PacketFeed(reader, tracks: chosen)
        held = nil
        clock = nil
        send(codecNotice(notice))
        send([
            "type": "info", "data": ["msg": "Sending header", "tracks": .array(tracks.map { .int(Int64($0.index)) })],
        ])
        if let header = muxer?.header { sendBinary(header) }
    }

    private func seek(_ command: JSONValue) {
        let wantsLive = command["seek_time"].asString == "live"
        guard command.hasMember("seek_time") else {
            return send(["type": "seek", "error": "seek_time missing"])
        }
        var target = wantsLive ? 0 : milliseconds(command["seek_time"])
        if muxer == nil { restart(at: nil, notice: "codec_data") }
        leaveGroup()
        sending = true
        let (_, end) = window()
        stayLive = reader.isLive && rate == 0 && (wantsLive || end < target &+ MEWSSession.liveMargin)
        do {
            if stayLive {
                try reader.seekToLiveEdge()
                target = end
                forwardTo = nil
            } else {
                try reader.seek(to: target)
                forwardTo = max(target, command.hasMember("ff_to") ? milliseconds(command["ff_to"]) : 0)
            }
        } catch {
            return send(["type": "seek", "error": "seek failed, continuing as-is"])
        }
        feed = PacketFeed(reader, tracks: tracks)
        held = nil
        clock = nil
        current = target
        var data: JSONValue = ["play_rate_curr": forwardTo != nil ? "fast-forward" : rateValue]
        if reader.isLive { data["live_point"] = .bool(stayLive) }
        send(["type": "seek", "data": data])
        onTime()
        go()
    }

    private func setSpeed(_ command: JSONValue) {
        guard command.hasMember("play_rate") else {
            return send(["type": "set_speed", "error": "play_rate missing"])
        }
        let value = command["play_rate"]
        let requested = value.asString == "auto" ? 0 : (value.doubleValue ?? 0)
        let newRate = requested.isFinite && requested > 0 ? min(requested, 100) : 0
        let previous = rateValue
        leaveGroup()
        if newRate != rate {
            rate = newRate
            clock = nil
            if rate != 0 { stayLive = false }
        }
        if !sending {
            sending = true
            if muxer == nil { restart(at: nil, notice: "codec_data") }
        }
        var data: JSONValue = ["play_rate_prev": previous, "play_rate_curr": rateValue]
        if reader.isLive { data["live_point"] = .bool(stayLive) }
        send(["type": "set_speed", "data": data])
        onTime()
        go()
    }

    // MARK: Sending

    /// Sends frames while the channel takes them, the stream has them and the clock allows.
    private func run() {
        retry = nil
        guard !done, sending, muxer != nil, !parked, case .none = shared else { return }
        let channel = connection.channel
        var wrote = false
        defer { if wrote { channel.flush() } }
        while channel.isWritable && sending {
            if held == nil {
                do {
                    switch try feed.next() {
                    case .wait:
                        return wait()
                    case .end:
                        return reachedEnd()
                    case .packet(let position, let packet, let data):
                        var out: [UInt8] = []
                        _ = try muxer?.add(position: position, packet: packet, data: data, into: &out)
                        if !out.isEmpty { held = (packet.time, out) }
                    }
                } catch {
                    logger.mist(.warn, "MP4 WebSocket viewer \(connection.peer) of \(stream) failed: \(error)")
                    connection.closeAfterWrites()
                    return
                }
                continue
            }
            guard let frame = held else { continue }
            if let delay = delay(for: frame.time) {
                retry = channel.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in self?.run() }
                return
            }
            held = nil
            current = frame.time
            if let target = forwardTo, frame.time >= target {
                forwardTo = nil
                clock = (.now, frame.time)
                send(["type": "set_speed", "data": ["play_rate_prev": "fast-forward", "play_rate_curr": rateValue]])
            }
            var buffer = channel.allocator.buffer(capacity: frame.bytes.count + 10)
            buffer.writeBytes(
                WebSocketFrameHeader.bytes(opcode: WebSocketFrameHeader.binary, length: frame.bytes.count))
            buffer.writeBytes(frame.bytes)
            connection.write(buffer)
            wrote = true
        }
    }

    /// How long a frame at `time` waits for the playback clock; nil when it goes now.
    private func delay(for time: UInt64) -> TimeAmount? {
        if stayLive || forwardTo != nil { return nil }
        guard let clock else {
            self.clock = (.now, time)
            return nil
        }
        let elapsed = ContinuousClock.now - clock.wall
        let elapsedMilliseconds =
            Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let allowed = Double(clock.media) + elapsedMilliseconds * (rate == 0 ? 1 : rate) + Double(MEWSSession.lead)
        guard Double(time) > allowed else { return nil }
        let wait = (Double(time) - allowed) / (rate == 0 ? 1 : rate)
        return .milliseconds(Int64(min(max(wait, 5), 1000)))
    }

    /// Sends on: from the shared group when following the live point at the normal rate, else
    /// by itself.
    private func go() {
        guard !done, sending, muxer != nil else { return }
        if reader.isLive && stayLive && rate == 0 && forwardTo == nil {
            joinGroup()
        } else {
            leaveGroup()
            run()
        }
    }

    /// Joins the group of live fMP4 of these tracks (opening its reader on the blocking pool);
    /// the init segment already went out, so the viewer starts at the group's newest keyframe.
    private func joinGroup() {
        guard case .none = shared else { return }
        shared = .joining
        joins += 1
        let join = joins
        let (stream, tracks, logger) = (self.stream, self.tracks, self.logger)
        let loop = connection.channel.eventLoop
        OutputEventLoops.offload(on: loop) { () -> LiveFanOut in
            let reader = try StreamReader(stream: stream, waitMilliseconds: 1000)
            try reader.select(tracks.map(\.index))
            try reader.seekToLiveEdge()
            return try LiveFanOutRegistry.join(
                stream: stream, format: "MP4", reader: reader, tracks: tracks, home: loop, logger: logger
            ) { try FMP4LiveMuxer(tracks: tracks) }
        } then: { [self] result in
            guard case .success(let group) = result else {
                if join == joins, case .joining = shared {
                    shared = .none
                    run()
                }
                return
            }
            guard !done, join == joins, case .joining = shared else {
                // Moved on meanwhile: the group no longer counts this viewer.
                group.viewerCount.subtract(1, ordering: .relaxed)
                return
            }
            let lane = group.lane(for: loop)
            let viewer = FanOutViewer(connection: connection, chunked: false, own: [], webSocket: true)
            viewer.onStreamEnd = { [weak self] in self?.reachedEnd() }
            shared = .joined(lane, viewer)
            lane.admit(viewer)
        }
    }

    /// Leaves the shared group (or a join under way) to go on by itself from the live point.
    private func leaveGroup() {
        switch shared {
        case .none: return
        case .joining: break
        case .joined(let lane, let viewer):
            lane.release(viewer)
            try? reader.seekToLiveEdge()
            feed = PacketFeed(reader, tracks: tracks)
            held = nil
            clock = nil
        }
        shared = .none
        joins += 1
    }

    /// Runs again once the stream may have more.
    private func wait() {
        (parked, retry) = StreamWaker.shared.wait(for: stream, on: connection.channel.eventLoop) { [weak self] in
            guard let self else { return }
            parked = false
            retry = nil
            run()
        }
    }

    /// The stream ended (a file's end, or the live input left): MistServer's `on_stop`; the
    /// socket stays open for a seek back.
    private func reachedEnd() {
        sending = false
        let (begin, end) = window()
        send([
            "type": "on_stop",
            "data": ["current": .int(Int64(current)), "begin": .int(Int64(begin)), "end": .int(Int64(end))],
        ])
    }

    /// MistServer's `on_time` notice: where playback is, what the stream holds, at which rate.
    private func onTime() {
        guard !done, sending, muxer != nil else { return }
        let (begin, end) = window()
        // In the shared group, the viewer is at the live point.
        if case .joined = shared { current = end }
        var data: JSONValue = [
            "current": .int(Int64(current)), "next": .int(Int64(held?.time ?? current)),
            "begin": .int(Int64(begin)), "end": .int(Int64(end)),
            "play_rate_curr": forwardTo != nil ? "fast-forward" : rateValue,
            "tracks": .array(tracks.map { .int(Int64($0.index)) }), "jitter": 0,
        ]
        if reader.isLive {
            // The Unix time (ms) of media time 0: the newest data is taken as now.
            data["unixoffset"] = .int(unixMilliseconds() &- Int64(clamping: end))
        }
        send(["type": "on_time", "data": data])
    }

    /// The oldest and newest times the selected tracks hold.
    private func window() -> (begin: UInt64, end: UInt64) {
        let selected = reader.tracks().filter { track in tracks.contains { $0.index == track.index } }
        return (selected.map(\.firstMs).min() ?? 0, selected.map(\.lastMs).max() ?? 0)
    }

    private var rateValue: JSONValue { rate == 0 ? "auto" : .double(rate) }

    private func codecNotice(_ type: String) -> JSONValue {
        [
            "type": .string(type),
            "data": [
                "current": .int(Int64(current)),
                "codecs": .array(
                    tracks.map { .string(HLSPlaylist.codecString(codec: $0.info.codec, initData: $0.info.initData)) }),
                "tracks": .array(tracks.map { .int(Int64($0.index)) }),
            ],
        ]
    }

    /// A non-negative time in milliseconds from a command (numbers or numeric text).
    private func milliseconds(_ value: JSONValue) -> UInt64 {
        UInt64(clamping: value.asInt)
    }

    private func send(_ message: JSONValue) {
        guard !done else { return }
        connection.send(
            WebSocketFrameHeader.frame(opcode: WebSocketFrameHeader.text, Array(JSONWriter.compact(message).utf8)))
    }

    private func sendBinary(_ bytes: [UInt8]) {
        guard !done else { return }
        connection.send(WebSocketFrameHeader.frame(opcode: WebSocketFrameHeader.binary, bytes))
    }

    func writabilityChanged() {
        if case .joined(let lane, let viewer) = shared {
            lane.resume(viewer)
        } else if connection.channel.isWritable && retry == nil && !parked {
            run()
        }
    }

    func closed() {
        guard !done else { return }
        done = true
        ticker?.cancel()
        retry?.cancel()
        if case .joined(let lane, let viewer) = shared { lane.remove(viewer) }
        shared = .none
        joins += 1
        logger.mist(.info, "MP4 WebSocket viewer \(connection.peer) of \(stream) left")
        let notice = onClose
        onClose = nil
        notice?()
    }
}
