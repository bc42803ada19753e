import MistCore
import MistData
import MistMedia
import MistNet
import MistShm
import MistStream

/// The progressive formats: `/<stream>.ts`, `.flv` and `.mp4`. Live streams watched from the live
/// edge go to a fan-out group; files and live windows (`start=`/`stop=`) are sent per viewer.
extension HTTPSession {
    func serveTS(_ stream: String, head: HTTPRequestHead, query: [String: String]) throws -> Bool {
        guard
            let opened = try open(
                stream, format: "HTTP-TS", audioCodecs: ["AAC", "MP3", "opus"], query: query, head: head)
        else { return true }
        let stream = opened.stream
        let tracks = [opened.video, opened.audio].compactMap { $0 }
        let window = PlaybackWindow(query: query)
        if opened.reader.isLive && !window.isLimited {
            return try joinFanOut(stream, format: "HTTP-TS", contentType: "video/mpeg", opened.reader, tracks, head) {
                try TSLiveMuxer(tracks: tracks)
            }
        }
        let chunked = head.version == "HTTP/1.1"
        connection.send(Array(streamingHead(contentType: "video/mpeg", chunked: chunked).utf8))
        if head.method == "HEAD" { return false }
        logger.mist(.info, "HTTP-TS viewer \(connection.peer) plays \(stream)")
        pumpMuxed(
            "HTTP-TS of \(stream)", stream: stream, chunked: chunked, muxer: try TSLiveMuxer(tracks: tracks),
            feed: PacketFeed(opened.reader, tracks: tracks, stop: window.stop))
        return false
    }

    /// Sends a viewer `feed` through `muxer` (its header first, unless `withHeader` is false)
    /// at the pace the viewer reads, up to 64 KiB a step.
    func pumpMuxed<Muxer: LiveMuxer>(
        _ label: String, stream: String, chunked: Bool, muxer: Muxer, withHeader: Bool = false, feed: PacketFeed
    ) {
        var muxer = muxer
        var feed = feed
        var first = withHeader ? muxer.header : []
        pump(label, stream: stream, chunked: chunked) {
            var out = first
            first = []
            while out.count < 64 * 1024 {
                switch try feed.next() {
                case .packet(let position, let packet, let data):
                    _ = try muxer.add(position: position, packet: packet, data: data, into: &out)
                case .wait: return out.isEmpty ? .wait : .bytes(out)
                case .end: return out.isEmpty ? .end : .bytes(out)
                }
            }
            return .bytes(out)
        }
    }

    /// `/<stream>.flv`: the stream as a progressive FLV file (Enhanced FLV for HEVC and AV1).
    func serveFLV(_ stream: String, head: HTTPRequestHead, query: [String: String]) throws -> Bool {
        guard
            let opened = try open(
                stream, format: "HTTP-FLV", videoCodecs: FLVPlayback.videoCodecs, audioCodecs: FLVPlayback.audioCodecs,
                query: query, head: head)
        else { return true }
        let stream = opened.stream
        let tracks = [opened.video, opened.audio].compactMap { $0 }
        let window = PlaybackWindow(query: query)
        if opened.reader.isLive && !window.isLimited {
            return try joinFanOut(stream, format: "HTTP-FLV", contentType: "video/x-flv", opened.reader, tracks, head) {
                FLVLiveMuxer(tracks: tracks)
            }
        }
        let playback = FLVPlayback(stream: stream, opened: (opened.reader, opened.video, opened.audio))
        playback.stop = window.stop
        connection.send(Array(streamingHead(contentType: "video/x-flv", chunked: false).utf8))
        if head.method == "HEAD" { return false }
        logger.mist(.info, "HTTP-FLV viewer \(connection.peer) plays \(stream)")
        var first = FLVTag.fileHeader(audio: playback.audio != nil, video: playback.video != nil)
        first += FLVTag(type: FLVTag.script, timestamp: 0, data: playback.metadata().payload).fileBytes
        playback.configurations(sink: FLVPlayback.flvTags, into: &first)
        pump("HTTP-FLV of \(stream)", stream: stream, chunked: false) {
            var out = first
            first = []
            _ = try playback.pump(sink: FLVPlayback.flvTags, into: &out, budget: 64 * 1024)
            if !out.isEmpty { return .bytes(out) }
            return playback.ended ? .end : .wait
        }
        return false
    }

    /// `/<stream>.mp4`: files as progressive MP4 with the index first (seekable with Range
    /// requests); live streams as fragmented MP4, one fragment per keyframe interval.
    func serveMP4(_ stream: String, head: HTTPRequestHead, query: [String: String]) throws -> Bool {
        guard
            let opened = try open(stream, format: "MP4", audioCodecs: ["AAC", "MP3", "opus"], query: query, head: head)
        else {
            return true
        }
        let stream = opened.stream
        let tracks = [opened.video, opened.audio].compactMap { $0 }
        let window = PlaybackWindow(query: query)
        if !opened.reader.isLive {
            return try serveProgressiveMP4(stream, reader: opened.reader, tracks: tracks, window: window, head: head)
        }
        if !window.isLimited {
            return try joinFanOut(stream, format: "MP4", contentType: "video/mp4", opened.reader, tracks, head) {
                try FMP4LiveMuxer(tracks: tracks)
            }
        }
        var muxer = try FMP4LiveMuxer(tracks: tracks)
        connection.send(Array(streamingHead(contentType: "video/mp4", chunked: false).utf8))
        if head.method == "HEAD" { return false }
        logger.mist(.info, "MP4 viewer \(connection.peer) plays \(stream) from \(window.start ?? 0) ms")
        var first = muxer.header
        var feed = PacketFeed(opened.reader, tracks: tracks, stop: window.stop)
        var finished = false
        pump("MP4 of \(stream)", stream: stream, chunked: false) {
            var out = first
            first = []
            while out.isEmpty && !finished {
                switch try feed.next() {
                case .packet(let position, let packet, let data):
                    _ = try muxer.add(position: position, packet: packet, data: data, into: &out)
                case .wait: return .wait
                case .end:
                    out += muxer.finish()
                    finished = true
                }
            }
            return out.isEmpty ? .end : .bytes(out)
        }
        return false
    }

    /// A file as one progressive MP4 with its index first: one pass over the packets for the
    /// sample tables, a second to send the bytes asked for (all, or one `Range`).
    private func serveProgressiveMP4(
        _ stream: String, reader: StreamReader, tracks: [StreamTrack], window: PlaybackWindow, head: HTTPRequestHead
    ) throws -> Bool {
        let mp4Tracks = tracks.map {
            FMP4Writer.Track(
                codec: $0.info.codec, initData: $0.info.initData, width: $0.info.width, height: $0.info.height,
                rate: $0.info.rate, channels: $0.info.channels)
        }
        let entries = try planFrames(reader, tracks: tracks, window: window)
        let header = try ProgressiveMP4.header(tracks: mp4Tracks, entries: entries)
        return try sendIndexedFile(
            stream, format: "MP4", contentType: "video/mp4", reader: reader, tracks: tracks, window: window,
            head: head, header: header, length: header.count + entries.reduce(0) { $0 + $1.size },
            frames: entries.count, prefix: { _ in [] })
    }

    /// The first pass over a file's frames (from the window's start to its stop): what a file
    /// laid out in advance needs of each, without its bytes.
    func planFrames(_ reader: StreamReader, tracks: [StreamTrack], window: PlaybackWindow) throws -> [PlannedFrame] {
        try reader.select(tracks.map(\.index))
        try window.seek(reader, selected: tracks.map(\.index))
        var frames: [PlannedFrame] = []
        try forEachPacket(reader, tracks: tracks, stop: window.stop, wait: { 5000 }, idle: {}) {
            position, packet, data in
            frames.append(
                PlannedFrame(
                    track: position, time: packet.time, offset: packet.offset, size: data.count,
                    keyframe: packet.isKeyframe))
        }
        return frames
    }

    /// A file whose layout was planned from its frames (its index first): sends the bytes asked
    /// for (all, or one `Range`) as the viewer takes them, walking the frames again and taking
    /// `header`, then each frame's `prefix` and data, where they fall in the wanted bytes.
    func sendIndexedFile(
        _ stream: String, format: String, contentType: String, reader: StreamReader, tracks: [StreamTrack],
        window: PlaybackWindow, head: HTTPRequestHead, header: [UInt8], length: Int, frames: Int,
        prefix: @escaping (Int) -> [UInt8]
    ) throws -> Bool {
        let range = HTTPByteRange(header: head.header("range"), length: length)
        var text: String
        let wanted: ClosedRange<Int>
        switch range {
        case .unsatisfiable:
            try respond(
                status: "416 Range Not Satisfiable", contentType: "text/plain",
                body: Array("Range not satisfiable\n".utf8),
                keepAlive: true, extraHeaders: "Content-Range: bytes */\(length)\r\n")
            return true
        case .whole:
            wanted = 0...max(0, length - 1)
            text = "HTTP/1.1 200 OK\r\nContent-Length: \(length)\r\n"
        case .partial(let part):
            wanted = part
            text = "HTTP/1.1 206 Partial Content\r\nContent-Length: \(part.count)\r\n"
            text += "Content-Range: bytes \(part.lowerBound)-\(part.upperBound)/\(length)\r\n"
        }
        text += "Content-Type: \(contentType)\r\nAccept-Ranges: bytes\r\n" + HTTPSession.corsHeaders
        text += "Connection: keep-alive\r\n\r\n"
        connection.send(Array(text.utf8))
        if head.method == "HEAD" || length == 0 { return true }
        if range == .whole {
            logger.mist(.info, "\(format) viewer \(connection.peer) downloads \(stream) (\(length) bytes)")
        }
        try reader.select(tracks.map(\.index))
        try window.seek(reader, selected: tracks.map(\.index))
        // Copy the parts of the header and of each frame that fall in the wanted bytes, as the
        // viewer takes them.
        var position = 0
        func take(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
            let end = position + bytes.count
            defer { position = end }
            let low = max(position, wanted.lowerBound)
            let high = min(end, wanted.upperBound + 1)
            guard low < high else { return }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[(low - position)..<(high - position)]))
        }
        var headerTaken = false
        var sent = 0
        var feed = PacketFeed(reader, tracks: tracks, stop: window.stop)
        pump("\(format) download of \(stream)", stream: stream, chunked: false, keepAlive: true) {
            var out: [UInt8] = []
            if !headerTaken {
                header.withUnsafeBytes { take($0, into: &out) }
                headerTaken = true
            }
            reading: while out.count < 256 * 1024 && sent < frames && position <= wanted.upperBound {
                switch try feed.next() {
                case .packet(_, _, let data):
                    prefix(sent).withUnsafeBytes { take($0, into: &out) }
                    take(data, into: &out)
                    sent += 1
                case .wait: return out.isEmpty ? .wait : .bytes(out)
                case .end: break reading
                }
            }
            return out.isEmpty ? .end : .bytes(out)
        }
        return true
    }
}

extension HTTPSession {
    /// `/<stream>.mkv` and `/<stream>.webm` (VP8, VP9, AV1, Opus and Vorbis only): live streams
    /// from a fan-out group, files and windows per viewer with their duration in the header.
    func serveMatroska(_ stream: String, webm: Bool, head: HTTPRequestHead, query: [String: String]) throws -> Bool {
        let format = webm ? "WebM" : "MKV"
        let (videoCodecs, audioCodecs) = MatroskaLiveMuxer.codecs(webm: webm)
        guard
            let opened = try open(
                stream, format: format, videoCodecs: videoCodecs, audioCodecs: audioCodecs, query: query, head: head)
        else { return true }
        let stream = opened.stream
        let tracks = [opened.video, opened.audio].compactMap { $0 }
        let contentType = webm ? "video/webm" : "video/x-matroska"
        let window = PlaybackWindow(query: query)
        if opened.reader.isLive && !window.isLimited {
            return try joinFanOut(stream, format: format, contentType: contentType, opened.reader, tracks, head) {
                try MatroskaLiveMuxer(tracks: tracks, webm: webm)
            }
        }
        if !opened.reader.isLive {
            return try serveMatroskaFile(
                stream, webm: webm, reader: opened.reader, tracks: tracks, window: window, head: head)
        }
        let duration: UInt64? = nil
        let muxer = try MatroskaLiveMuxer(tracks: tracks, webm: webm, duration: duration)
        let chunked = head.version == "HTTP/1.1"
        connection.send(Array(streamingHead(contentType: contentType, chunked: chunked).utf8))
        if head.method == "HEAD" { return false }
        logger.mist(.info, "\(format) viewer \(connection.peer) plays \(stream)")
        pumpMuxed(
            "\(format) of \(stream)", stream: stream, chunked: chunked, muxer: muxer, withHeader: true,
            feed: PacketFeed(opened.reader, tracks: tracks, stop: window.stop))
        return false
    }

    /// A file as Matroska or WebM with cues and a known length (seekable, Range requests): one
    /// pass over the frames plans the layout, a second sends the bytes asked for.
    private func serveMatroskaFile(
        _ stream: String, webm: Bool, reader: StreamReader, tracks: [StreamTrack], window: PlaybackWindow,
        head: HTTPRequestHead
    ) throws -> Bool {
        let frames = try planFrames(reader, tracks: tracks, window: window)
        let times = frames.map(\.time)
        let file = try MatroskaFile(
            tracks: MatroskaLiveMuxer.muxerTracks(tracks), webm: webm,
            duration: window.isLimited
                ? (times.max() ?? 0) &- (times.min() ?? 0)
                : (tracks.map(\.lastMs).max() ?? 0) &- (tracks.map(\.firstMs).min() ?? 0),
            frames: frames)
        return try sendIndexedFile(
            stream, format: webm ? "WebM" : "MKV", contentType: webm ? "video/webm" : "video/x-matroska",
            reader: reader, tracks: tracks, window: window, head: head, header: file.header, length: file.length,
            frames: frames.count, prefix: file.prefix(of:))
    }
}
