import MistMedia
import MistNet
import MistShm
import MistStream

/// `/<stream>.srt`, `/<stream>.vtt` and `/<stream>.webvtt`: a stream's subtitle track as SubRip
/// or WebVTT, as MistServer's SubRip output serves it (`?track=` picks the track, `start=` and
/// `stop=` a window). A cue ends where the track's next packet starts (an empty packet clears
/// the screen), else after MistServer's estimate.
extension HTTPSession {
    func serveSubtitles(_ stream: String, webVTT: Bool, head: HTTPRequestHead, query: [String: String]) throws
        -> Bool
    {
        guard
            let opened = try open(
                stream, format: "SubRip", videoCodecs: [], audioCodecs: [], allowingNone: true, query: query, head: head
            )
        else { return true }
        let subtitles = opened.reader.tracks().filter { $0.info.codec == "subtitle" }
        let wanted = query["track"].flatMap { Int($0) }
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
        var out: [UInt8] = webVTT ? Array("WEBVTT\n\n".utf8) : []
        if live {
            try connection.send(Array(streamingHead(contentType: contentType, chunked: chunked).utf8))
            if head.method == "HEAD" { return false }
        }
        logger.mist(.info, "\(webVTT ? "WebVTT" : "SubRip") viewer \(connection.peer) reads \(opened.stream)")
        func flush() throws {
            guard live, !out.isEmpty else { return }
            try connection.send(chunked ? FanOutChunk.frame(out) : out, timeoutMilliseconds: 30_000)
            out.removeAll(keepingCapacity: true)
        }
        var pending: (start: UInt64, text: String, bytes: Int)?
        var number = 0
        func emit(until end: UInt64) throws {
            guard let cue = pending else { return }
            pending = nil
            number += 1
            let text = SubtitleCue(number: number, start: cue.start, end: max(end, cue.start), text: cue.text)
            out += Array((webVTT ? text.webVTT : text.subRip).utf8)
            try flush()
        }
        try forEachPacket(opened.reader, tracks: [track], stop: window.stop, wait: { 500 }, idle: flush) {
            _, packet, data in
            try emit(until: packet.time)
            let text = String(decoding: data, as: UTF8.self)
            // Empty packets (and MistServer's single space) only end the cue before them.
            if !(text.isEmpty || text == " ") { pending = (packet.time, text, data.count) }
        }
        if let last = pending { try emit(until: SubtitleCue.estimatedEnd(start: last.start, textBytes: last.bytes)) }
        if live {
            try flush()
            if chunked { try connection.send(FanOutChunk.frame([])) }
            return false
        }
        try respond(
            status: "200 OK", contentType: contentType, body: out, keepAlive: true, headOnly: head.method == "HEAD")
        return true
    }
}
