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
        var muxer = try TSLiveMuxer(tracks: tracks)
        let chunked = head.version == "HTTP/1.1"
        try connection.send(Array(streamingHead(contentType: "video/mpeg", chunked: chunked).utf8))
        if head.method == "HEAD" { return false }
        logger.mist(.info, "HTTP-TS viewer \(connection.peer) plays \(stream)")
        var out: [UInt8] = []
        func send() throws {
            guard !out.isEmpty else { return }
            try connection.send(chunked ? FanOutChunk.frame(out) : out, timeoutMilliseconds: 30_000)
            out.removeAll(keepingCapacity: true)
        }
        try forEachPacket(
            opened.reader, tracks: tracks, stop: window.stop, wait: { out.isEmpty ? 500 : 0 }, idle: send
        ) { position, packet, data in
            _ = try muxer.add(position: position, packet: packet, data: data, into: &out)
            if out.count >= 64 * 1024 { try send() }
        }
        try send()
        if chunked { try connection.send(FanOutChunk.frame([])) }
        return false
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
        try connection.send(Array(streamingHead(contentType: "video/x-flv", chunked: false).utf8))
        if head.method == "HEAD" { return false }
        logger.mist(.info, "HTTP-FLV viewer \(connection.peer) plays \(stream)")
        var out = FLVTag.fileHeader(audio: playback.audio != nil, video: playback.video != nil)
        out += FLVTag(type: FLVTag.script, timestamp: 0, data: playback.metadata().payload).fileBytes
        playback.configurations(sink: FLVPlayback.flvTags, into: &out)
        while !playback.ended {
            if try !playback.pump(sink: FLVPlayback.flvTags, into: &out, budget: 64 * 1024) && out.isEmpty {
                // Notice a viewer that left while nothing was sent.
                if connection.peerHasClosed() { return false }
                usleepMilliseconds(20)
            }
            if !out.isEmpty {
                try connection.send(out, timeoutMilliseconds: 30_000)
                out.removeAll(keepingCapacity: true)
            }
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
        try connection.send(Array(streamingHead(contentType: "video/mp4", chunked: false).utf8))
        if head.method == "HEAD" { return false }
        logger.mist(.info, "MP4 viewer \(connection.peer) plays \(stream) from \(window.start ?? 0) ms")
        try connection.send(muxer.header)
        var out: [UInt8] = []
        try forEachPacket(opened.reader, tracks: tracks, stop: window.stop, wait: { 500 }, idle: {}) {
            position, packet, data in
            _ = try muxer.add(position: position, packet: packet, data: data, into: &out)
            if !out.isEmpty {
                try connection.send(out, timeoutMilliseconds: 30_000)
                out.removeAll(keepingCapacity: true)
            }
        }
        try connection.send(muxer.finish())
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
        func eachSample(_ body: (Int, DTSCPacket, UnsafeRawBufferPointer) throws -> Bool) throws {
            try reader.select(tracks.map(\.index))
            try window.seek(reader, selected: tracks.map(\.index))
            struct Done: Error {}
            do {
                try forEachPacket(reader, tracks: tracks, stop: window.stop, wait: { 5000 }, idle: {}) {
                    guard try body($0, $1, $2) else { throw Done() }
                }
            } catch is Done {}
        }
        var entries: [ProgressiveMP4.Entry] = []
        try eachSample { position, packet, data in
            entries.append(
                .init(
                    track: position, time: packet.time, offset: packet.offset, size: data.count,
                    keyframe: packet.isKeyframe))
            return true
        }
        let header = try ProgressiveMP4.header(tracks: mp4Tracks, entries: entries)
        let length = header.count + entries.reduce(0) { $0 + $1.size }
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
        text += "Content-Type: video/mp4\r\nAccept-Ranges: bytes\r\n" + HTTPSession.corsHeaders
        text += "Connection: keep-alive\r\n\r\n"
        try connection.send(Array(text.utf8))
        if head.method == "HEAD" || length == 0 { return true }
        if range == .whole { logger.mist(.info, "MP4 viewer \(connection.peer) downloads \(stream) (\(length) bytes)") }
        // Copy the parts of the header and of each sample that fall in the wanted bytes.
        var out: [UInt8] = []
        var position = 0
        func take(_ bytes: UnsafeRawBufferPointer) throws {
            let end = position + bytes.count
            defer { position = end }
            let low = max(position, wanted.lowerBound)
            let high = min(end, wanted.upperBound + 1)
            guard low < high else { return }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[(low - position)..<(high - position)]))
            if out.count >= 256 * 1024 {
                try connection.send(out, timeoutMilliseconds: 30_000)
                out.removeAll(keepingCapacity: true)
            }
        }
        try header.withUnsafeBytes { try take($0) }
        var sent = 0
        if position <= wanted.upperBound {
            try eachSample { _, _, data in
                guard sent < entries.count else { return false }
                try take(data)
                sent += 1
                return position <= wanted.upperBound
            }
        }
        try connection.send(out, timeoutMilliseconds: 30_000)
        return true
    }
}
