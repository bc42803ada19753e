import MistData
import MistMedia

/// Turns a publisher's MPEG-TS into the DTSC frames a buffer input takes: the header once every
/// stream of the program has a track (or after two seconds of media), again when a track comes
/// later, then one packet per frame in time order.
struct TSIngest {
    /// How long frames wait for the program's other tracks (media milliseconds).
    static let settleMilliseconds: UInt64 = 2000
    private var demuxer = TSDemuxer()
    private var list = LiveTrackList()
    private var held: [DemuxedSample] = []
    /// Frames dropped because they could not be written (for the log).
    private(set) var refused = 0
    /// The newest frame time handed on.
    private(set) var lastTime: UInt64 = 0

    /// Warnings the demuxer gathered about the publisher's TS.
    var warnings: [String] { demuxer.warnings }

    /// The DTSC bytes `bytes` of TS result in (possibly none yet).
    mutating func feed(_ bytes: ArraySlice<UInt8>) throws(MediaError) -> [UInt8] {
        try demuxer.feed(bytes)
        held += demuxer.drain()
        let span = (held.map(\.time).max() ?? 0) &- (held.map(\.time).min() ?? 0)
        let complete = demuxer.tracks.count >= demuxer.announcedStreams || span >= Self.settleMilliseconds
        guard (complete && !demuxer.tracks.isEmpty) || list.announced else {
            if held.count > 20_000 { held.removeFirst(held.count - 20_000) }
            return []
        }
        var out = list.update(demuxer.tracks)
        held.sort { $0.time != $1.time ? $0.time < $1.time : $0.track < $1.track }
        for sample in held {
            guard sample.track < list.tracks.count, let data = sample.data else { continue }
            let frame = data.withUnsafeBytes { raw in
                try? DTSCFrameWriter.mediaPacket(
                    trackID: UInt32(sample.track + 1), time: sample.time, offset: sample.offset,
                    keyframe: sample.keyframe, data: raw)
            }
            if let frame { out += frame } else { refused += 1 }
            lastTime = max(lastTime, sample.time)
        }
        held.removeAll(keepingCapacity: true)
        return out
    }
}
