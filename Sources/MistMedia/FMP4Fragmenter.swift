/// Groups a stream's frames into fMP4 fragments: one per video keyframe interval (or two seconds
/// of audio when there is no video). Each sample's duration is the distance to the next sample
/// of its track, so a fragment goes out when the next one starts.
public struct FMP4Fragmenter {
    public let writer: FMP4Writer
    private var pending: [[FMP4Writer.Sample]]
    /// The last sample of each track, waiting for its successor to know its duration.
    private var held: [FMP4Writer.Sample?]
    private var sequence: UInt32 = 1
    private let timingTrack: Int

    public init(tracks: [FMP4Writer.Track]) {
        writer = FMP4Writer(tracks: tracks)
        pending = Array(repeating: [], count: tracks.count)
        held = Array(repeating: nil, count: tracks.count)
        timingTrack = tracks.firstIndex(where: \.isVideo) ?? 0
    }

    /// Adds a frame; returns a finished fragment when this frame starts a new one.
    public mutating func add(track: Int, time: UInt64, offset: Int64, keyframe: Bool, data: [UInt8]) -> [UInt8] {
        guard pending.indices.contains(track) else { return [] }
        var out: [UInt8] = []
        let startsFragment =
            track == timingTrack
            && (writer.tracks[track].isVideo
                ? keyframe : (pending[track].first.map { time >= $0.time + 2000 } ?? false))
        if startsFragment && pending.contains(where: { !$0.isEmpty }) || (startsFragment && held[track] != nil) {
            // Close every track's held sample at this point in time, then emit.
            for index in held.indices {
                guard var last = held[index] else { continue }
                if index == track {
                    last.duration = UInt32(clamping: time >= last.time ? max(time - last.time, 1) : 1)
                } else {
                    // Other tracks keep their own rhythm: the previous sample's duration.
                    let gap = time >= last.time ? max(time - last.time, 1) : 1
                    last.duration = pending[index].last?.duration ?? UInt32(clamping: gap)
                }
                pending[index].append(last)
                held[index] = nil
            }
            out = flush()
        }
        if var previous = held[track] {
            previous.duration = UInt32(clamping: time >= previous.time ? max(time - previous.time, 1) : 1)
            pending[track].append(previous)
        }
        held[track] = FMP4Writer.Sample(time: time, offset: offset, duration: 0, keyframe: keyframe, data: data)
        return out
    }

    /// Everything still waiting, as a last fragment (the held samples get their track's
    /// previous duration).
    public mutating func finish() -> [UInt8] {
        for index in held.indices {
            guard var last = held[index] else { continue }
            last.duration = pending[index].last?.duration ?? 40
            pending[index].append(last)
            held[index] = nil
        }
        return pending.contains(where: { !$0.isEmpty }) ? flush() : []
    }

    private mutating func flush() -> [UInt8] {
        let fragment = writer.fragment(sequence: sequence, samples: pending)
        sequence += 1
        pending = Array(repeating: [], count: pending.count)
        return fragment
    }
}
