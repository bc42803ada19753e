import Logging
import MistCore
import MistMedia
import MistShm
import MistStream

extension PushOutput {
    /// The stream as MPEG-TS to a network target (`srt://`, `tsudp://`, `tsrtp://`, `tstcp://`,
    /// `ts-exec:`), or as Matroska into a command (`mkv-exec:`), from its live edge (or
    /// `recstart`), until it ends or the push is stopped.
    static func pushTS(
        stream: String, target: String, status: PushStatus, logger: Logger, matroska: Bool = false,
        stop: () -> Bool
    ) -> Summary {
        var summary = Summary()
        var query: [String: String] = [:]
        if let mark = target.firstIndex(of: "?") {
            for (name, value) in URLQuery.parse(Array(target[target.index(after: mark)...].utf8)) {
                query[name] = value
            }
        }
        do {
            let opened = try TrackChoice.open(
                stream, videoCodecs: ["H264", "HEVC"], audioCodecs: ["AAC", "MP3", "opus"], query: query, logger: logger
            )
            var window = PlaybackWindow()
            window.start = UInt64(query["recstart"] ?? "")
            window.stop = UInt64(query["recstop"] ?? "")
            try window.seek(opened.reader, selected: [opened.video, opened.audio].compactMap { $0?.index })
            let tracks = [opened.video, opened.audio].compactMap { $0 }
            var muxer: any LiveMuxer =
                matroska ? try MatroskaLiveMuxer(tracks: tracks, webm: false) : try TSLiveMuxer(tracks: tracks)
            let sink = try TSPushTarget.open(target)
            defer { sink.close() }
            logger.mist(.info, "Pushing \(stream) to \(target) as \(matroska ? "Matroska" : "MPEG-TS")")
            var keyframeStart = KeyframeStart(tracks: tracks)
            var piece = muxer.header
            reading: while !stop() {
                switch try opened.reader.next(timeoutMilliseconds: 500) {
                case .end: break reading
                case .timeout: continue
                case .packet(let packet):
                    if let stopAt = window.stop, packet.time > stopAt { break reading }
                    guard let (position, data) = keyframeStart.admit(packet) else { continue }
                    _ = try muxer.add(position: position, packet: packet, data: data, into: &piece)
                    guard !piece.isEmpty else { continue }
                    try sink.send(piece, time: packet.time)
                    summary.bytes += piece.count
                    summary.first = summary.first ?? packet.time
                    summary.last = packet.time
                    status.report(bytes: summary.bytes, time: packet.time)
                    piece.removeAll(keepingCapacity: true)
                }
            }
            if stop() { (summary.code, summary.text) = ("CLEAN_SIGNAL", "stopped") }
            logger.mist(.info, "Push of \(stream) to \(target) ended")
        } catch let ending as Ending {
            logger.mist(.fail, "Push of \(stream) to \(target) failed: \(ending.text)")
            (summary.code, summary.text) = (ending.code, ending.text)
        } catch {
            logger.mist(.fail, "Push of \(stream) to \(target) failed: \(error)")
            (summary.code, summary.text) = ("WRITE_FAILURE", "\(error)")
        }
        return summary
    }
}
