import MistCore
import MistMedia
import MistShm

/// Low-latency HLS on the CMAF media playlists of live streams, as MistServer serves it: parts
/// of at most 500 ms (`chunk_<segment start>.<part>.m4s`), listed with `EXT-X-PART` for the
/// last segments and the one still growing, `EXT-X-PRELOAD-HINT` for the next part,
/// `EXT-X-SERVER-CONTROL` with `CAN-BLOCK-RELOAD`, and `_HLS_msn`/`_HLS_part` requests held
/// until the part exists (at most three target durations). A part asked for before it is
/// complete is held until it is.
enum LowLatencyHLS {
    /// The longest part, in milliseconds.
    static let partMilliseconds: UInt64 = 500
    /// The most parts a segment lists (a minute's worth; keys further apart get no more).
    static let maximumParts: UInt64 = 120
    /// How many of the last complete segments list their parts.
    static let segmentsWithParts = 3

    /// Where the live edge of a track stands: the segments that are complete, the one still
    /// growing (its start and sequence) and how far its data reaches.
    struct Edge {
        var complete: [HLSPlaylist.Segment]
        var growing: (sequence: UInt64, start: UInt64)?
        var reached: UInt64

        /// The parts of the growing segment that are complete.
        var growingParts: UInt64 {
            guard let growing, reached > growing.start else { return 0 }
            return min((reached - growing.start) / LowLatencyHLS.partMilliseconds, LowLatencyHLS.maximumParts)
        }

        /// Whether segment `sequence` (and its part `part`, when asked) is there to be listed.
        func has(sequence: UInt64, part: UInt64?) -> Bool {
            if complete.contains(where: { $0.sequence == sequence }) { return true }
            guard let growing, growing.sequence == sequence, let part else {
                return (complete.last?.sequence ?? 0) > sequence
            }
            return part < growingParts
        }
    }

    /// The edge of `track`, its segments cut at `timing`'s keys.
    static func edge(_ reader: StreamReader, track: StreamTrack, timing: StreamTrack, carried: [StreamTrack]) throws
        -> Edge
    {
        let current = reader.tracks()
        let fresh = current.first { $0.index == track.index } ?? track
        let complete = try HLSOutput.segments(
            reader, timing: current.first { $0.index == timing.index } ?? timing,
            tracks: carried.map { old in current.first { $0.index == old.index } ?? old })
        let keys = try reader.keys(of: timing.index)
        var growing: (UInt64, UInt64)?
        if let last = keys.last, last.time >= (complete.last.map { $0.start &+ $0.duration } ?? 0) {
            growing = (last.number, last.time)
        }
        return Edge(complete: complete, growing: growing, reached: fresh.lastMs)
    }

    /// Waits, reading `track` as it grows (no polling), until `ready` holds for its edge; false
    /// when `seconds` pass first or the stream ends.
    static func wait(
        _ reader: StreamReader, track: StreamTrack, timing: StreamTrack, carried: [StreamTrack], seconds: Double,
        until ready: (Edge) -> Bool
    ) throws -> Bool {
        if ready(try edge(reader, track: track, timing: timing, carried: carried)) { return true }
        try reader.select([track.index])
        try reader.seekToLiveEdge()
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            if case .end = try reader.next(timeoutMilliseconds: 100) { break }
            if ready(try edge(reader, track: track, timing: timing, carried: carried)) { return true }
        }
        return ready(try edge(reader, track: track, timing: timing, carried: carried))
    }

    /// The media playlist of a live track with its parts; `others` are the renditions it
    /// reports (their paths relative to this playlist).
    static func playlist(_ edge: Edge, others: [String]) -> String {
        let segments = edge.complete
        let longest = max(segments.map(\.duration).max() ?? 1000, partMilliseconds)
        let target = (longest + 999) / 1000
        var text = "#EXTM3U\r\n#EXT-X-VERSION:9\r\n#EXT-X-INDEPENDENT-SEGMENTS\r\n"
        text +=
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=\(HLSPlaylist.milliseconds(partMilliseconds * 3))\r\n"
        text += "#EXT-X-PART-INF:PART-TARGET=\(HLSPlaylist.milliseconds(partMilliseconds))\r\n"
        text += "#EXT-X-MAP:URI=\"init.m4s\"\r\n#EXT-X-TARGETDURATION:\(target)\r\n"
        text += "#EXT-X-MEDIA-SEQUENCE:\(segments.first?.sequence ?? edge.growing?.sequence ?? 0)\r\n"
        for (position, segment) in segments.enumerated() {
            if position >= segments.count - segmentsWithParts {
                var part: UInt64 = 0
                while part < maximumParts && part * partMilliseconds < segment.duration {
                    let length = min(partMilliseconds, segment.duration - part * partMilliseconds)
                    text += partLine(start: segment.start, part: part, duration: length)
                    part += 1
                }
            }
            text += "#EXTINF:\(HLSPlaylist.milliseconds(segment.duration)),\r\nchunk_\(segment.start).m4s\r\n"
        }
        var lastPart: (msn: UInt64, part: UInt64)?
        if let last = segments.last {
            let parts = last.duration / partMilliseconds + (last.duration % partMilliseconds > 0 ? 1 : 0)
            lastPart = (last.sequence, min(max(1, parts), maximumParts) - 1)
        }
        if let growing = edge.growing {
            for part in 0..<edge.growingParts {
                text += partLine(start: growing.start, part: part, duration: partMilliseconds)
            }
            if edge.growingParts > 0 { lastPart = (growing.sequence, edge.growingParts - 1) }
            text += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"chunk_\(growing.start).\(edge.growingParts).m4s\"\r\n"
        }
        if let lastPart {
            for other in others {
                text +=
                    "#EXT-X-RENDITION-REPORT:URI=\"\(other)\",LAST-MSN=\(lastPart.msn),LAST-PART=\(lastPart.part)\r\n"
            }
        }
        return text
    }

    static func partLine(start: UInt64, part: UInt64, duration: UInt64) -> String {
        var line = "#EXT-X-PART:DURATION=\(HLSPlaylist.milliseconds(duration)),URI=\"chunk_\(start).\(part).m4s\""
        // The first part of a segment starts with its keyframe.
        if part == 0 { line += ",INDEPENDENT=YES" }
        return line + "\r\n"
    }

    /// The segment and part a part's file name names (`chunk_<start>.<part>.m4s`).
    static func parsePart(_ file: String) -> (start: UInt64, part: UInt64)? {
        guard file.hasPrefix("chunk_"), file.hasSuffix(".m4s") else { return nil }
        let numbers = file.dropFirst(6).dropLast(4).split(separator: ".")
        // Bounded, so arithmetic on a name from the network cannot overflow.
        guard numbers.count == 2, let start = UInt64(numbers[0]), start < 1 << 50, let part = UInt64(numbers[1]),
            part < 1000
        else {
            return nil
        }
        return (start, part)
    }
}

extension LowLatencyHLS {
    typealias Response = HLSOutput.Response

    /// The low-latency answer for a live track's `file`: its playlist (held for `_HLS_msn` and
    /// `_HLS_part`) or one of its parts (held until complete); nil for files it leaves to the
    /// plain CMAF answers (whole segments, the initialisation segment).
    static func respond(
        _ reader: StreamReader, track: StreamTrack, timing: StreamTrack, carried: [StreamTrack], file: String,
        query: [String: String]
    ) throws -> Response? {
        if file == "index.m3u8" {
            return try playlistResponse(reader, track: track, timing: timing, carried: carried, query: query)
        }
        guard let (start, part) = parsePart(file) else { return nil }
        // A part is complete once the track's data reaches its end, or its segment has ended.
        var range: (sequence: UInt64, start: UInt64, end: UInt64)?
        let ready = try wait(reader, track: track, timing: timing, carried: carried, seconds: 3) { edge in
            let partStart = start + part * partMilliseconds
            if let segment = edge.complete.first(where: { $0.start == start }) {
                let end = min(partStart + partMilliseconds, segment.start &+ segment.duration)
                if partStart < end { range = (segment.sequence, partStart, end) }
                return true
            }
            guard let growing = edge.growing, growing.start == start, part < edge.growingParts else { return false }
            range = (growing.sequence, partStart, partStart + partMilliseconds)
            return true
        }
        guard ready, let range else {
            return CMAFOutput.failure("404 Not Found", "Part \(file) is not (or no longer) available")
        }
        let segment = HLSPlaylist.Segment(
            sequence: range.sequence, start: range.start, duration: range.end - range.start)
        let key = HLSSegmentCache.key(
            stream: reader.stream, tracks: [track.index], sequence: range.sequence, start: range.start,
            duration: segment.duration, format: "part")
        let body = try HLSSegmentCache.shared.bytes(key) {
            try CMAFOutput.fragment(reader, track: track, segment: segment)
        }
        return Response(contentType: "video/mp4", body: body)
    }

    /// The playlist, once it holds segment `_HLS_msn` (and its part `_HLS_part`) when asked.
    static func playlistResponse(
        _ reader: StreamReader, track: StreamTrack, timing: StreamTrack, carried: [StreamTrack],
        query: [String: String]
    ) throws -> Response {
        var edge = try edge(reader, track: track, timing: timing, carried: carried)
        if let asked = query["_HLS_msn"] {
            guard let msn = UInt64(asked), query["_HLS_part"].map({ UInt64($0) != nil }) ?? true else {
                return CMAFOutput.failure("400 Bad Request", "Invalid LL-HLS parameter")
            }
            let part = query["_HLS_part"].flatMap { UInt64($0) }
            let newest = edge.growing?.sequence ?? edge.complete.last?.sequence ?? 0
            guard msn <= newest + 2 else {
                return CMAFOutput.failure("400 Bad Request", "Segment \(msn) is too far ahead of \(newest)")
            }
            let longest = Double(max(edge.complete.map(\.duration).max() ?? 2000, partMilliseconds)) / 1000
            var reached = edge
            let ready = try wait(reader, track: track, timing: timing, carried: carried, seconds: 3 * longest) {
                reached = $0
                return $0.has(sequence: msn, part: part)
            }
            guard ready else { return CMAFOutput.failure("503 Service Unavailable", "Segment \(msn) did not arrive") }
            edge = reached
        }
        guard !edge.complete.isEmpty || edge.growing != nil else {
            return CMAFOutput.failure("503 Service Unavailable", "No segment yet")
        }
        let others = carried.filter { $0.index != track.index }.map { "../\($0.index)/index.m3u8" }
        return Response(contentType: HLSOutput.playlistType, body: Array(playlist(edge, others: others).utf8))
    }
}
