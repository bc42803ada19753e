import MistData
import MistMedia
import MistNet
import MistShm
import MistStream

/// `/<stream>.srt`, `/<stream>.vtt` and `/<stream>.webvtt`: a stream's subtitle track as SubRip
/// or WebVTT, as MistServer's SubRip output serves it (`?track=` or `?meta=` picks the track,
/// `start=`/`stop=` or MistServer's `from=`/`to=` a window: the cues that start in it). A cue
/// ends where the track's next packet starts (an empty packet clears the screen), else after
/// MistServer's estimate. A `from=` window is an HLS subtitle segment: its WebVTT maps cue
/// times onto the TS segments' timestamps.
extension HTTPSession {
    func serveSubtitles(_ stream: String, webVTT: Bool, head: HTTPRequestHead, query original: [String: String])
        throws -> Bool
    {
        var query = original
        if let from = original["from"], original["start"] == nil { query["start"] = from }
        if let to = original["to"], original["stop"] == nil { query["stop"] = to }
        guard
            let opened = try open(
                stream, format: "SubRip", videoCodecs: [], audioCodecs: [], allowingNone: true, query: query, head: head
            )
        else { return true }
        let subtitles = opened.reader.tracks().filter { $0.info.codec == "subtitle" }
        let wanted = (query["track"] ?? query["meta"]).flatMap { Int($0) }
        guard let track = subtitles.first(where: { wanted == nil || $0.index == wanted }) else {
            try respond(status: "404 Not Found", body: "\(opened.stream) has no such subtitle track\n", keepAlive: true)
            return true
        }
        let window = PlaybackWindow(query: query)
        try opened.reader.select([track.index])
        try window.seek(opened.reader, selected: [track.index])
        let contentType = webVTT ? "text/vtt; charset=utf-8" : "text/plain; charset=utf-8"
        // A file's cues go out as one answer with its length; a live stream's as they come.
        let live = opened.reader.isLive
        let chunked = live && head.version == "HTTP/1.1"
        // The TS muxer's timestamps are the stream's milliseconds times 90.
        let header = original["from"] != nil ? "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n" : "WEBVTT\n\n"
        var out: [UInt8] = webVTT ? Array(header.utf8) : []
        if live {
            connection.send(Array(streamingHead(contentType: contentType, chunked: chunked).utf8))
            if head.method == "HEAD" { return false }
        }
        logger.mist(.info, "\(webVTT ? "WebVTT" : "SubRip") viewer \(connection.peer) reads \(opened.stream)")
        var pending: (start: UInt64, text: String, bytes: Int)?
        var number = 0
        func emit(until end: UInt64) {
            guard let cue = pending else { return }
            pending = nil
            number += 1
            let text = SubtitleCue(number: number, start: cue.start, end: max(end, cue.start), text: cue.text)
            out += Array((webVTT ? text.webVTT : text.subRip).utf8)
        }
        /// One packet of the track; false once it is past the window (it still ends the last cue).
        func handle(_ packet: DTSCPacket, _ data: UnsafeRawBufferPointer) -> Bool {
            emit(until: packet.time)
            if let stop = window.stop, packet.time >= stop { return false }
            let text = String(decoding: data, as: UTF8.self)
            // Empty packets (and MistServer's single space) only end the cue before them.
            if !(text.isEmpty || text == " ") { pending = (packet.time, text, data.count) }
            return true
        }
        func emitLast() {
            if let last = pending { emit(until: SubtitleCue.estimatedEnd(start: last.start, textBytes: last.bytes)) }
        }
        if live {
            // A live stream's cues go out as they come, from the connection's loop.
            var feed = PacketFeed(opened.reader, tracks: [track])
            var finished = false
            pump("\(webVTT ? "WebVTT" : "SubRip") of \(opened.stream)", stream: opened.stream, chunked: chunked) {
                while out.isEmpty && !finished {
                    switch try feed.next() {
                    case .packet(_, let packet, let data):
                        if !handle(packet, data) { finished = true }
                    case .wait: return .wait
                    case .end: finished = true
                    }
                    if finished { emitLast() }
                }
                defer { out.removeAll() }
                return out.isEmpty ? .end : .bytes(out)
            }
            return false
        }
        struct WindowEnd: Error {}
        do {
            try forEachPacket(opened.reader, tracks: [track], wait: { 500 }, idle: {}) { _, packet, data in
                guard handle(packet, data) else { throw WindowEnd() }
            }
        } catch is WindowEnd {}
        emitLast()
        try respond(
            status: "200 OK", contentType: contentType, body: out, keepAlive: true, headOnly: head.method == "HEAD")
        return true
    }
}
