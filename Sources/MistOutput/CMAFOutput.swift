import Logging
import MistCore
import MistData
import MistMedia
import MistShm
import MistStream

/// CMAF (fragmented MP4 per track) from MistOutCMAF, at MistServer's URLs under
/// `/cmaf/<stream>/`: `index.mpd` (DASH), `index.m3u8` (HLS version 7 master: a variant per
/// video track with an audio group), `<track>/index.m3u8` (a track's media playlist),
/// `<track>/init.m4s` and `<track>/chunk_<start ms>.m4s` (one keyframe interval of the main
/// video track, every track cut at the same times).
enum CMAFOutput {
    typealias Response = HLSOutput.Response

    static let videoCodecs: Set<String> = ["H264", "HEVC"]
    static let audioCodecs: Set<String> = ["AAC", "MP3"]
    static let dashType = "application/dash+xml"

    /// Answers `parts` (the path after `/cmaf/`, split on `/`).
    static func respond(_ parts: [String], query: [String: String], logger: Logger) -> Response {
        guard parts.count >= 2 else { return failure("404 Not Found", "No stream given") }
        let stream = StreamName.sanitize(parts[0])
        let opened: (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?)
        do {
            opened = try TrackChoice.open(
                stream, videoCodecs: videoCodecs, audioCodecs: audioCodecs, query: query, logger: logger)
        } catch {
            logger.mist(.info, "CMAF of \(stream) refused: \(error)")
            return failure("404 Not Found", "Stream open failed")
        }
        let all = opened.reader.tracks()
        let videos = HLSOutput.variantVideos(all, selector: query["video"], chosen: opened.video)
        let carried = videos + [opened.audio].compactMap { $0 }
        // Segments follow the main video track's keys (the audio track's when there is none).
        guard let timing = opened.video ?? opened.audio else { return failure("404 Not Found", "No playable track") }
        // Read before the keys and frames, so any arriving meanwhile make a cached answer stale.
        let window = opened.reader.keyWindow(of: timing.index)
        let partTrack = parts.count == 3 ? Int(parts[1]) : nil
        let reached = partTrack.flatMap {
            opened.reader.partsReached(
                of: $0, timing: timing.index, partMilliseconds: LowLatencyHLS.partMilliseconds)
        }
        let response = answer(parts, opened: opened, carried: carried, videos: videos, timing: timing, query: query)
        if response.status == "200 OK", let window, let key = cacheKey(parts, query: query) {
            let file = parts.last ?? ""
            // Segments, parts and init segments never change; a playlist that lists parts is
            // rebuilt with each part, other playlists and manifests with each key.
            let listsParts = opened.reader.isLive && query["llhls"] != "0"
            let timing: HLSLiveCache.Timing? =
                file.hasSuffix(".m4s")
                ? nil
                : HLSLiveCache.Timing(
                    timing.index, window,
                    parts: listsParts ? partTrack.flatMap { track in reached.map { (track, $0) } } : nil)
            HLSLiveCache.shared.store(
                key, stream: stream, contentType: response.contentType, body: response.body, timing: timing)
        }
        return response
    }

    /// The key an answer to `parts` with `query` is cached under, or nil when it is not cached
    /// (track selectors pick other tracks; `_HLS_msn`/`_HLS_part` requests wait for the stream).
    static func cacheKey(_ parts: [String], query: [String: String]) -> String? {
        guard query.keys.allSatisfy({ $0 == "tkn" || $0 == "llhls" }), parts.count >= 2 else { return nil }
        return "cmaf/" + parts.joined(separator: "/") + (query["llhls"] == "0" ? "?llhls=0" : "")
    }

    private static func answer(
        _ parts: [String], opened: (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?),
        carried: [StreamTrack], videos: [StreamTrack], timing: StreamTrack, query: [String: String]
    ) -> Response {
        do {
            let segments = try HLSOutput.segments(opened.reader, timing: timing, tracks: carried)
            switch (parts.count, parts.last ?? "") {
            case (2, "index.mpd"):
                guard !segments.isEmpty else { return failure("503 Service Unavailable", "No complete segment yet") }
                let body = manifest(opened.reader, tracks: carried, timing: timing, segments: segments)
                return Response(contentType: dashType, body: Array(body.utf8))
            case (2, "index.m3u8"):
                return Response(
                    contentType: HLSOutput.playlistType,
                    body: Array(master(videos, audio: opened.audio).utf8))
            case (3, let file):
                guard let index = Int(parts[1]), let track = carried.first(where: { $0.index == index }) else {
                    return failure("404 Not Found", "Track \(parts[1]) is not served here")
                }
                if opened.reader.isLive && query["llhls"] != "0",
                    let answer = try LowLatencyHLS.respond(
                        opened.reader, track: track, timing: timing, carried: carried, file: file, query: query)
                {
                    return answer
                }
                return try trackResponse(opened.reader, track: track, file: file, segments: segments)
            default:
                return failure("404 Not Found", "Nothing is served here")
            }
        } catch {
            return failure("500 Internal Server Error", "\(error)")
        }
    }

    /// A track's playlist, initialisation segment or media segment.
    static func trackResponse(
        _ reader: StreamReader, track: StreamTrack, file: String, segments: [HLSPlaylist.Segment]
    ) throws -> Response {
        if file == "index.m3u8" {
            guard !segments.isEmpty else { return failure("503 Service Unavailable", "No complete segment yet") }
            return Response(
                contentType: HLSOutput.playlistType, body: Array(mediaPlaylist(segments, live: reader.isLive).utf8))
        }
        if file == "init.m4s" {
            return Response(contentType: "video/mp4", body: try FMP4Writer(tracks: [writerTrack(track)]).initSegment())
        }
        guard file.hasPrefix("chunk_"), file.hasSuffix(".m4s"), let start = UInt64(file.dropFirst(6).dropLast(4)),
            let segment = segments.first(where: { $0.start == start })
        else {
            return failure("404 Not Found", "Segment \(file) is not (or no longer) available")
        }
        let key = HLSSegmentCache.key(
            stream: reader.stream, tracks: [track.index], sequence: segment.sequence, start: segment.start,
            duration: segment.duration, format: "m4s")
        let body = try HLSSegmentCache.shared.bytes(key) { try fragment(reader, track: track, segment: segment) }
        return Response(contentType: "video/mp4", body: body)
    }

    /// One track's samples in `segment` as a `moof` + `mdat`; each sample lasts until the next,
    /// the last until the segment's end.
    static func fragment(_ reader: StreamReader, track: StreamTrack, segment: HLSPlaylist.Segment) throws -> [UInt8] {
        try reader.select([track.index])
        try reader.seek(to: segment.start)
        let end = segment.start &+ segment.duration
        var samples: [FMP4Writer.Sample] = []
        let deadline = monotonicSeconds() + 10
        reading: while monotonicSeconds() < deadline {
            switch try reader.next(timeoutMilliseconds: 500) {
            case .end: break reading
            case .timeout: continue
            case .packet(let packet):
                guard packet.time < end else { break reading }
                guard packet.time >= segment.start, Int(packet.trackID) == track.index, let data = packet.data else {
                    continue
                }
                if var previous = samples.popLast() {
                    previous.duration = UInt32(clamping: max(1, packet.time &- previous.time))
                    samples.append(previous)
                }
                samples.append(
                    FMP4Writer.Sample(
                        time: packet.time, offset: packet.offset, duration: 0, keyframe: packet.isKeyframe,
                        data: Array(data)))
            }
        }
        if var last = samples.popLast() {
            let typical = samples.last?.duration ?? 40
            last.duration = end > last.time ? UInt32(clamping: end - last.time) : typical
            samples.append(last)
        }
        guard !samples.isEmpty else { return [] }
        return FMP4Writer(tracks: [writerTrack(track)]).fragment(
            sequence: UInt32(truncatingIfNeeded: segment.sequence + 1), samples: [samples])
    }

    static func writerTrack(_ track: StreamTrack) -> FMP4Writer.Track {
        FMP4Writer.Track(
            codec: track.info.codec, initData: track.info.initData, width: track.info.width,
            height: track.info.height, rate: track.info.rate, channels: track.info.channels)
    }

    /// The DASH manifest of the carried tracks over `segments`.
    static func manifest(
        _ reader: StreamReader, tracks: [StreamTrack], timing: StreamTrack, segments: [HLSPlaylist.Segment]
    ) -> String {
        let representations = tracks.map { track in
            DASHManifest.Representation(
                index: track.index, type: track.info.type,
                codecs: HLSPlaylist.codecString(codec: track.info.codec, initData: track.info.initData),
                bandwidth: track.bps, width: track.info.width, height: track.info.height, fpks: track.info.fpks,
                rate: track.info.rate, channels: track.info.channels, language: track.info.language)
        }
        var live: DASHManifest.Live?
        if reader.isLive {
            let now = UInt64(clamping: unixMilliseconds())
            // The wall-clock time of media time 0: the live edge is now.
            let edge = tracks.map(\.lastMs).max() ?? timing.lastMs
            live = DASHManifest.Live(
                availabilityStart: now &- min(now, edge), now: now,
                minimumUpdate: max(500, (segments.map(\.duration).min() ?? 2000) / 2))
        }
        let duration = (tracks.map(\.lastMs).max() ?? 0) &- (tracks.map(\.firstMs).min() ?? 0)
        return DASHManifest.manifest(representations, segments: segments, live: live, duration: duration)
    }

    /// The HLS master playlist: each video track a variant, the audio track a rendition of group
    /// `aud1`; an audio-only stream is one variant.
    static func master(_ videos: [StreamTrack], audio: StreamTrack?) -> String {
        var text = "#EXTM3U\r\n#EXT-X-VERSION:7\r\n#EXT-X-INDEPENDENT-SEGMENTS\r\n"
        let audioCodec = audio.map { HLSPlaylist.codecString(codec: $0.info.codec, initData: $0.info.initData) }
        if let audio {
            let language = audio.info.language.isEmpty ? "und" : audio.info.language
            text += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud1\",LANGUAGE=\"\(language)\",NAME=\"\(language)\","
            text += "AUTOSELECT=YES,DEFAULT=YES,URI=\"\(audio.index)/index.m3u8\"\r\n"
        }
        if videos.isEmpty, let audio, let audioCodec {
            text += "#EXT-X-STREAM-INF:BANDWIDTH=\(bits(audio.bps)),CODECS=\"\(audioCodec)\"\r\n"
            text += "\(audio.index)/index.m3u8\r\n"
        }
        for video in videos {
            let codecs =
                [HLSPlaylist.codecString(codec: video.info.codec, initData: video.info.initData)]
                + [audioCodec].compactMap { $0 }
            text += "#EXT-X-STREAM-INF:BANDWIDTH=\(bits(video.bps &+ (audio?.bps ?? 0)))"
            text += ",RESOLUTION=\(video.info.width)x\(video.info.height)"
            if video.info.fpks > 0 { text += ",FRAME-RATE=\(Double(video.info.fpks) / 1000)" }
            text += ",CODECS=\"\(codecs.joined(separator: ","))\""
            if audio != nil { text += ",AUDIO=\"aud1\"" }
            text += "\r\n\(video.index)/index.m3u8\r\n"
        }
        return text
    }

    /// Bytes per second as a playlist's bits per second (at least 40, never overflowing).
    static func bits(_ bytesPerSecond: UInt64) -> UInt64 { min(max(bytesPerSecond, 5), UInt64.max / 8) * 8 }

    /// A track's media playlist: version 7 with its initialisation segment.
    static func mediaPlaylist(_ segments: [HLSPlaylist.Segment], live: Bool) -> String {
        HLSPlaylist.media(segments, ended: !live, map: "init.m4s") { "chunk_\($0.start).m4s" }
    }

    static func failure(_ status: String, _ message: String) -> Response {
        Response(status: status, contentType: "text/plain", body: Array("\(message)\n".utf8))
    }
}
