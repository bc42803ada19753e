import Logging
import MistCore
import MistMedia
import MistShm
import MistStream

/// HLS from MistOutHTTP: `/hls/<stream>/index.m3u8` (master), `/hls/<stream>/<tracks>/index.m3u8`
/// (media playlist: every complete keyframe interval, a sliding window for live, the whole file
/// with an end tag for files) and `/hls/<stream>/<tracks>/chunk_<ms>.ts` (one interval as TS).
enum HLSOutput {
    struct Response {
        var status = "200 OK"
        var contentType: String
        var body: [UInt8]
    }

    static let videoCodecs: Set<String> = ["H264", "HEVC"]
    static let audioCodecs: Set<String> = ["AAC", "MP3", "opus"]
    static let playlistType = "application/vnd.apple.mpegurl"

    /// Answers `parts` (the path after `/hls/`, split on `/`) with `query` parameters.
    static func respond(_ parts: [String], query: [String: String], logger: Logger) -> Response {
        guard parts.count >= 2 else { return failure("404 Not Found", "No stream given") }
        let stream = StreamName.sanitize(parts[0])
        let opened: (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?)
        do {
            opened = try TrackChoice.open(
                stream, videoCodecs: videoCodecs, audioCodecs: audioCodecs, query: query, logger: logger)
        } catch {
            logger.mist(.info, "HLS of \(stream) refused: \(error)")
            return failure("404 Not Found", "Stream open failed")
        }
        let tracks = opened.reader.tracks()
        if parts.count == 2 && parts[1] == "index.m3u8" {
            let videos = variantVideos(tracks, selector: query["video"], chosen: opened.video)
            let subtitles = tracks.filter { $0.info.codec == "subtitle" }.map {
                HLSPlaylist.Subtitles(language: $0.info.language, path: String($0.index))
            }
            return Response(
                contentType: playlistType, body: Array(master(videos, opened.audio, subtitles: subtitles).utf8))
        }
        guard parts.count == 3 else { return failure("404 Not Found", "Nothing is served here") }
        let selected = parts[1].split(separator: "_").compactMap { Int($0) }
        let chosen = selected.compactMap { index in tracks.first { $0.index == index } }
        guard !chosen.isEmpty, chosen.count == selected.count else {
            return failure("404 Not Found", "No such track combination: \(parts[1])")
        }
        if chosen.count == 1, chosen[0].info.codec == "subtitle" {
            return subtitlePlaylist(stream, opened, subtitle: chosen[0], file: parts[2])
        }
        let timing = chosen.first { $0.info.type == "video" } ?? chosen[0]
        // Read before the keys, so a key arriving meanwhile makes the cached playlist stale.
        let window = opened.reader.keyWindow(of: timing.index)
        let cacheKey = HLSLiveCache.key(stream: stream, tracks: parts[1], file: parts[2])
        do {
            let segments = try self.segments(opened.reader, timing: timing, tracks: chosen)
            if parts[2] == "index.m3u8" {
                guard !segments.isEmpty else { return failure("503 Service Unavailable", "No complete segment yet") }
                let body = Array(HLSPlaylist.media(segments, ended: !opened.reader.isLive).utf8)
                if let window {
                    HLSLiveCache.shared.store(
                        cacheKey, stream: stream, contentType: playlistType, body: body,
                        timing: HLSLiveCache.Timing(timing.index, window))
                }
                return Response(contentType: playlistType, body: body)
            }
            if parts[2].hasPrefix("chunk_") && parts[2].hasSuffix(".ts"),
                let start = UInt64(parts[2].dropFirst(6).dropLast(3))
            {
                guard let segment = segments.first(where: { $0.start == start }) else {
                    return failure("404 Not Found", "Segment \(start) is not (or no longer) available")
                }
                // Complete segments are the same bytes for every viewer: mux each once.
                let key = HLSSegmentCache.key(
                    stream: stream, tracks: chosen.map(\.index), sequence: segment.sequence, start: segment.start,
                    duration: segment.duration)
                let body = try HLSSegmentCache.shared.bytes(key) {
                    try segmentBytes(opened.reader, tracks: chosen, segment: segment)
                }
                if !body.isEmpty {
                    HLSLiveCache.shared.store(
                        cacheKey, stream: stream, contentType: "video/mp2t", body: body, timing: nil)
                }
                return Response(contentType: "video/mp2t", body: body)
            }
        } catch {
            return failure("500 Internal Server Error", "\(error)")
        }
        return failure("404 Not Found", "Nothing is served here")
    }

    /// A subtitle track's media playlist: the segments of the stream's video (or audio), each a
    /// WebVTT window of the track (MistServer's `?meta=&from=&to=` URLs, on `.vtt` rather than
    /// its `.webvtt`: players and ffmpeg tell a WebVTT segment by that extension).
    static func subtitlePlaylist(
        _ stream: String, _ opened: (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?),
        subtitle: StreamTrack, file: String
    ) -> Response {
        guard file == "index.m3u8" else { return failure("404 Not Found", "Subtitle segments are WebVTT windows") }
        let timing = opened.video ?? opened.audio ?? subtitle
        do {
            let segments = try self.segments(opened.reader, timing: timing, tracks: [timing, subtitle])
            guard !segments.isEmpty else { return failure("503 Service Unavailable", "No complete segment yet") }
            let playlist = HLSPlaylist.media(segments, ended: !opened.reader.isLive) { segment in
                "../../../\(TextEscaping.urlPathSegment(stream)).vtt?meta=\(subtitle.index)&from=\(segment.start)&to=\(segment.start &+ segment.duration)"
            }
            return Response(contentType: playlistType, body: Array(playlist.utf8))
        } catch {
            return failure("500 Internal Server Error", "\(error)")
        }
    }

    static func failure(_ status: String, _ message: String) -> Response {
        Response(status: status, contentType: playlistType, body: Array(HLSPlaylist.error(message).utf8))
    }

    /// The video tracks the master playlist offers: every one HLS can carry (an adaptive
    /// ladder), or those a `video=` selector picks.
    static func variantVideos(_ tracks: [StreamTrack], selector: String?, chosen: StreamTrack?) -> [StreamTrack] {
        guard chosen != nil else { return [] }
        let candidates =
            selector.map { TrackSelector.select($0, type: "video", from: tracks) }
            ?? tracks.filter { $0.info.type == "video" }
        return candidates.filter { videoCodecs.contains($0.info.codec) }
    }

    /// One variant per video track, each with the chosen audio track (MistServer's layout), or
    /// one audio-only variant.
    static func master(_ videos: [StreamTrack], _ audio: StreamTrack?, subtitles: [HLSPlaylist.Subtitles] = [])
        -> String
    {
        let combinations: [[StreamTrack]] =
            videos.isEmpty ? [audio].compactMap { $0 }.map { [$0] } : videos.map { [$0] + [audio].compactMap { $0 } }
        let variants = combinations.map { tracks in
            let video = tracks.first { $0.info.type == "video" }
            return HLSPlaylist.Variant(
                path: tracks.map { String($0.index) }.joined(separator: "_"),
                bandwidth: tracks.reduce(0) { $0 + $1.bps }, width: video?.info.width ?? 0,
                height: video?.info.height ?? 0, fpks: video?.info.fpks ?? 0,
                codecs: tracks.map { HLSPlaylist.codecString(codec: $0.info.codec, initData: $0.info.initData) })
        }
        return HLSPlaylist.master(variants, subtitles: subtitles)
    }

    /// One segment per complete keyframe interval of the timing track; audio-only streams group
    /// keys into segments of at least two seconds.
    static func segments(_ reader: StreamReader, timing: StreamTrack, tracks: [StreamTrack]) throws -> [HLSPlaylist
        .Segment]
    {
        let keys = try reader.keys(of: timing.index)
        let end = tracks.map(\.lastMs).max() ?? 0
        var segments: [HLSPlaylist.Segment] = []
        var index = 0
        let minimum: UInt64 = timing.info.type == "video" ? 0 : 2000
        while index < keys.count {
            var next = index + 1
            // (Keys out of order, which a pushed stream may bring, make empty segments, not traps.)
            while next < keys.count && keys[next].time &- keys[index].time < minimum
                && keys[next].time >= keys[index].time
            {
                next += 1
            }
            if next < keys.count {
                segments.append(
                    .init(
                        sequence: keys[index].number, start: keys[index].time,
                        duration: keys[next].time >= keys[index].time ? keys[next].time - keys[index].time : 0))
            } else if !reader.isLive && end >= keys[index].time {
                segments.append(
                    .init(
                        sequence: keys[index].number, start: keys[index].time,
                        duration: max(1, (end - keys[index].time) &+ 1)))
            }
            index = next
        }
        return segments
    }

    /// The TS of one segment: program tables, then every packet of the tracks in its interval.
    static func segmentBytes(_ reader: StreamReader, tracks: [StreamTrack], segment: HLSPlaylist.Segment) throws
        -> [UInt8]
    {
        try reader.select(tracks.map(\.index))
        try reader.seek(to: segment.start)
        var muxer = try TSMuxer(tracks: tracks.map { TSMuxer.Track(codec: $0.info.codec, initData: $0.info.initData) })
        var out = muxer.programTables()
        let end = segment.start &+ segment.duration
        let deadline = monotonicSeconds() + 10
        reading: while monotonicSeconds() < deadline {
            switch try reader.next(timeoutMilliseconds: 500) {
            case .end: break reading
            case .timeout: continue
            case .packet(let packet):
                guard packet.time < end else { break reading }
                guard packet.time >= segment.start, let data = packet.data,
                    let position = tracks.firstIndex(where: { $0.index == Int(packet.trackID) })
                else { continue }
                out += try muxer.frame(
                    track: position, time: packet.time, offset: packet.offset, keyframe: packet.isKeyframe, data: data)
            }
        }
        return out
    }
}
