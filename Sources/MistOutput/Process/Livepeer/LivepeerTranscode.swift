import Logging
import MistCore
import MistData
import MistNet
import MistShm
import MistStream
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One running Livepeer transcode, MistServer's way: the source video (and `audio_select`
/// audio) cut into one-second MPEG-TS segments, each POSTed to a broadcaster's
/// `/live/<id>/<seq>.ts` by one of two upload workers, and the renditions of the multipart
/// answer written into the sink stream in segment order. A 422 moves to another broadcaster;
/// a second 422 in a row, or one with no other broadcaster to try, skips the segment and fires
/// LIVEPEER_SEGMENT_REJECTED. Five failed attempts at one segment end the process.
final class LivepeerTranscode: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let defaultAPI = "https://livepeer.live/api"
    static let uploadWorkers = 2

    /// The process entry with its profiles completed (the trigger's first payload line).
    let config: JSONValue
    let source: String
    let sink: String
    /// The entry as the buffer gave it, which keys the tracks in the sink.
    let key: String
    let profiles: [JSONValue]
    let token: String?
    /// The transcode's id in upload URLs.
    let id: String
    let logger: Logger
    /// The `video=` and `audio=` selectors of the source tracks.
    let query: [String: String]
    private let reader: StreamReader
    private let tracks: [StreamTrack]
    private let video: Int
    private let uploads: LivepeerUploads
    private let started = monotonicSeconds()
    /// The newest source time cut into a segment (read by the status reports).
    private let sourceTime = Atomic<UInt64>(0)

    init(config entry: JSONValue, logger: Logger) throws {
        source = entry["source"].asString
        sink = ProcessSink.name(of: entry)
        key = JSONWriter.compact(entry)
        self.logger = logger
        token = entry["access_token"].stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let api = entry["custom_url"].stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultAPI

        let selector = entry["source_track"].stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "maxbps"
        let audio = entry["audio_select"].stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "none"
        query = ["video": selector, "audio": audio]
        let opened = try TrackChoice.open(
            source, videoCodecs: ["H264", "HEVC"], audioCodecs: ["AAC"], query: query, logger: logger)
        guard let sourceVideo = opened.video, sourceVideo.info.width > 0, sourceVideo.info.height > 0 else {
            throw Failure(description: "no valid source track (H.264 or HEVC with a size) for \(selector)")
        }
        reader = opened.reader
        tracks = [opened.video, opened.audio].compactMap { $0 }
        video = 0
        if entry["leastlive"].asBool { try reader.select(tracks.map(\.index)) }
        ProcessOptions.maskSources(entry, tracks: tracks, source: source, logger: logger)

        profiles = LivepeerProfiles.resolve(
            entry["target_profiles"], source: sourceVideo, tracks: reader.tracks())
        guard !profiles.isEmpty else { throw Failure(description: "no target profile is left to transcode to") }
        var completed = entry
        completed["target_profiles"] = .array(profiles)
        config = completed

        var authorization: [(String, String)] = []
        if let token { authorization.append(("Authorization", "Bearer " + token)) }
        let list: JSONValue?
        if let hardcoded = entry["hardcoded_broadcasters"].stringValue, !hardcoded.isEmpty {
            list = LivepeerBroadcasters.hardcoded(hardcoded)
        } else {
            let response = try HTTPClient.request(
                "GET", api + "/broadcaster", headers: authorization, body: [], maximumBody: 1 << 20)
            guard response.status == 200 else {
                throw Failure(description: "Livepeer API answered \(response.status) to the broadcaster list")
            }
            list = try? JSONParser.parse(response.body)
        }
        guard let list, let broadcasters = LivepeerBroadcasters(list) else {
            throw Failure(description: "No Livepeer broadcasters available")
        }
        uploads = LivepeerUploads(broadcasters: broadcasters)

        if token != nil {
            let request: JSONValue = ["name": .string(source), "profiles": .array(profiles)]
            let response = try HTTPClient.request(
                "POST", api + "/stream", headers: authorization + [("Content-Type", "application/json")],
                body: Array(JSONWriter.compact(request).utf8), maximumBody: 1 << 20)
            guard response.status / 100 == 2, let answer = try? JSONParser.parse(response.body) else {
                throw Failure(description: "Livepeer API answered \(response.status) to the transcode request")
            }
            guard let id = answer["id"].stringValue, !id.isEmpty else {
                throw Failure(description: "Livepeer API did not answer with a transcode id")
            }
            self.id = id
        } else {
            // Without the API each process names its own transcode, unique per run.
            let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            id = source + "-" + String((0..<8).map { _ in letters.randomElement() ?? "a" })
        }
        logger.mist(.info, "Livepeer transcode ID: \(id), using broadcaster \(broadcasters.current)")
    }

    /// Runs until stopped (status 0), or until the source, the sink or the uploads end (1).
    func run(stop: @escaping @Sendable () -> Bool) -> Int32 {
        let sinkConnection: TCPConnection
        do {
            sinkConnection = try ProcessPipe.connect(sink: sink, key: key, logger: logger)
        } catch {
            logger.mist(.fail, "Cannot reach the buffer of \(sink): \(error)")
            return 1
        }
        defer { sinkConnection.close() }
        defer { uploads.end() }
        let over: @Sendable () -> Bool = { [uploads] in stop() || uploads.isOver }
        startDetachedThread { [self] in segment(stop: over) }
        for _ in 0..<Self.uploadWorkers {
            startDetachedThread { [self] in
                while !over() {
                    guard let segment = uploads.nextSegment() else { continue }
                    uploads.finish(upload(segment, stop: over))
                }
            }
        }
        var renditions = LivepeerRenditions()
        var warned = 0
        var next: UInt64 = 0
        var reported = monotonicSeconds()
        while !stop() {
            if let failure = uploads.failure {
                logger.mist(.fail, "Livepeer transcode of \(source) ends: \(failure)")
                return 1
            }
            if monotonicSeconds() - reported >= 5 {
                reported = monotonicSeconds()
                report(sinkTime: renditions.lastTime)
            }
            guard let result = uploads.result(next) else {
                if uploads.drained {
                    logger.mist(.warn, "The source of the Livepeer transcode of \(source) ended")
                    return 1
                }
                continue
            }
            next += 1
            guard !result.renditions.isEmpty else { continue }
            let frames = renditions.frames(of: result.segment, parts: result.renditions)
            for warning in renditions.warnings.dropFirst(warned) { logger.mist(.warn, "Livepeer output: \(warning)") }
            warned = renditions.warnings.count
            do {
                try sinkConnection.send(frames)
            } catch {
                logger.mist(.warn, "The buffer of \(sink) left: \(error)")
                return 1
            }
        }
        return 0
    }

    /// The segmenter's thread: source frames into segments, each queued for upload. When the
    /// source ends and the process feeds another stream, it goes on from another source (see
    /// `ProcessSourceSwitch`), its times continuing and its segments numbered on.
    private func segment(stop: @Sendable () -> Bool) {
        defer { uploads.endSource() }
        var (reader, tracks, current) = (self.reader, self.tracks, source)
        var segmenter = LivepeerSegmenter(tracks: tracks, video: video)
        var shift = PacketShift(continuing: nil)
        do {
            while !stop() {
                var start = KeyframeStart(tracks: tracks)
                reading: while !stop() {
                    switch try reader.next(timeoutMilliseconds: 500, pollMilliseconds: ProcessOptions.pollMilliseconds)
                    {
                    case .end: break reading
                    case .timeout: continue
                    case .packet(let packet):
                        guard let (position, data) = start.admit(packet) else { continue }
                        let done = try shift.apply(packet, data: data) { packet, data in
                            sourceTime.store(packet.time, ordering: .relaxed)
                            return try segmenter.add(position: position, packet: packet, data: data)
                        }
                        if let done { guard uploads.queue(done, stop: stop) else { return } }
                    }
                }
                let last = sourceTime.load(ordering: .relaxed)
                guard sink != source, !stop(),
                    let next = ProcessSourceSwitch.next(
                        sink: sink, current: current, time: last, config: config, logger: logger)
                else { return }
                let opened = try TrackChoice.open(
                    next, videoCodecs: ["H264", "HEVC"], audioCodecs: ["AAC"], query: query, logger: logger)
                guard opened.video != nil else {
                    logger.mist(.warn, "\(next) has no video to transcode with Livepeer")
                    return
                }
                logger.mist(.info, "Switching the Livepeer process into \(sink) from \(current) to \(next)")
                (reader, tracks, current) = (opened.reader, [opened.video, opened.audio].compactMap { $0 }, next)
                ProcessOptions.maskSources(config, tracks: tracks, source: next, logger: logger)
                segmenter = LivepeerSegmenter(tracks: tracks, video: video, firstNumber: segmenter.nextNumber)
                shift = PacketShift(continuing: last)
            }
        } catch {
            logger.mist(.warn, "Reading \(current) for Livepeer ended: \(error)")
        }
    }

    /// Uploads one segment until a broadcaster transcodes it, it is rejected, or too many
    /// attempts failed (which ends the process).
    private func upload(_ segment: LivepeerSegment, stop: @Sendable () -> Bool) -> LivepeerResult {
        var skipped = segment
        skipped.data = []
        let none = LivepeerResult(segment: skipped, renditions: [])
        var attempts = 0
        var rejectedBy: String?
        while !stop() {
            let (url, cookie) = uploads.target(id: id, number: segment.number)
            var headers = [
                ("Accept", "multipart/mixed"), ("Content-Type", "video/mp2t"),
                ("Content-Duration", String(segment.duration)),
                ("Content-Resolution", "\(segment.width)x\(segment.height)"),
            ]
            if token == nil {
                headers.append(
                    ("Livepeer-Transcode-Configuration", JSONWriter.compact(["profiles": .array(profiles)])))
            }
            if !cookie.isEmpty { headers.append(("Cookie", cookie)) }
            let sent = monotonicSeconds()
            let size = segment.data.count
            do {
                let response = try HTTPClient.request(
                    "POST", url, headers: headers, body: segment.data,
                    timeoutMilliseconds: Int(clamping: segment.duration) + 5000, maximumBody: 64 << 20)
                let took = Int((monotonicSeconds() - sent) * 1000)
                switch response.status {
                case 200:
                    if let set = response.headers["set-cookie"], let value = set.split(separator: ";").first {
                        uploads.keep(cookie: String(value))
                    }
                    logger.mist(.medium, "Uploaded \(size) bytes of segment \(segment.number) to \(url) in \(took) ms")
                    return LivepeerResult(segment: skipped, renditions: renditions(of: response, url: url))
                case 422:
                    uploads.count(\.non200)
                    logger.mist(.warn, "Rejected upload of \(size) bytes to \(url) after \(took) ms: 422")
                    if let first = rejectedBy {
                        rejected(segment, first: first, second: url)
                        return none
                    }
                    rejectedBy = url
                default:
                    uploads.count(\.non200)
                    logger.mist(.warn, "Failed to upload \(size) bytes to \(url) in \(took) ms: \(response.status)")
                }
            } catch {
                uploads.count(\.timeout)
                logger.mist(.warn, "Failed to upload \(size) bytes to \(url): \(error)")
            }
            attempts += 1
            usleepMilliseconds(100)
            if attempts > 4 {
                uploads.fail("too many upload failures")
                return none
            }
            if let next = uploads.switchBroadcaster() {
                logger.mist(.warn, "Switched to new broadcaster: \(next)")
            } else {
                logger.mist(.warn, "Cannot switch broadcaster; only a single option is available")
                if let first = rejectedBy {
                    rejected(segment, first: first, second: "N/A")
                    return none
                }
            }
        }
        return none
    }

    /// The `video/mp2t` parts of a broadcaster's multipart answer, by rendition name.
    private func renditions(of response: HTTPClient.Response, url: String) -> [(name: String, ts: ArraySlice<UInt8>)] {
        let type = response.headers["content-type"] ?? ""
        do {
            guard type.lowercased().hasPrefix("multipart/") else {
                throw MultipartReader.Failure.malformed("a \(type.isEmpty ? "untyped" : type) answer")
            }
            let parts = try MultipartReader.parts(response.body, boundary: MultipartReader.boundary(contentType: type))
            return parts.compactMap { part in
                guard (part.headers["content-type"] ?? "").lowercased().hasPrefix("video/mp2t") else { return nil }
                return (part.headers["rendition-name"] ?? "", part.body)
            }
        } catch {
            uploads.count(\.parse)
            logger.mist(.fail, "Cannot read the answer of \(url) (\(response.body.count) bytes): \(error)")
            return []
        }
    }

    /// LIVEPEER_SEGMENT_REJECTED with MistServer's payload: the process configuration, the
    /// segment in base64, its width, height and duration, and the broadcasters that refused it.
    private func rejected(_ segment: LivepeerSegment, first: String, second: String) {
        logger.mist(.fail, "Segment \(segment.number) of \(source) could not be transcoded; skipping it")
        let info: JSONValue = [
            "duration": .int(Int64(clamping: segment.duration)), "height": .int(Int64(segment.height)),
            "width": .int(Int64(segment.width)),
        ]
        Triggers.notify(
            "LIVEPEER_SEGMENT_REJECTED", stream: source,
            payload: [
                JSONWriter.compact(config.sortedKeys()), Base64.encode(segment.data), JSONWriter.compact(info), first,
                second,
            ].joined(separator: "\n"), logger: logger)
    }

    /// MistServer's `proc_status_update` for `proc_list`, with the Livepeer counters.
    private func report(sinkTime: UInt64) {
        let (counters, broadcaster, switches) = uploads.status
        let status: JSONValue = [
            "active_seconds": .int(Int64(monotonicSeconds() - started)),
            "source_tracks": .array(tracks.map { .int(Int64($0.index)) }),
            "ainfo": [
                "lp_id": .string(id), "switches": .int(Int64(switches)), "fail_non200": .int(Int64(counters.non200)),
                "fail_timeout": .int(Int64(counters.timeout)), "fail_parse": .int(Int64(counters.parse)),
                "fail_other": .int(Int64(counters.other)), "bc": .string(broadcaster),
                "sourceTime": .int(Int64(clamping: sourceTime.load(ordering: .relaxed))),
                "sinkTime": .int(Int64(clamping: sinkTime)),
            ],
        ]
        UDPAPIClient.send([
            "proc_status_update": [
                "id": .int(Int64(getpid())), "proc": "Livepeer", "source": .string(source), "sink": .string(sink),
                "status": status,
            ]
        ])
    }
}
