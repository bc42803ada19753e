import MistData
import MistMedia

/// The renditions a Livepeer broadcaster sends back, turned into DTSC frames for the sink's
/// buffer: each rendition (by its `Rendition-Name`) keeps its own video track across segments,
/// and each segment's frames are moved in time so that its first frame lands on the source
/// segment's start, whatever times the broadcaster wrote. Audio that comes back is left out
/// (the source's own audio track stays the stream's audio), as MistServer hides it.
struct LivepeerRenditions {
    private var list = LiveTrackList()
    private var found: [DemuxedTrack] = []
    /// (rendition name, the segment's demuxer track id) → index in `found`.
    private var indices: [String: Int] = [:]
    /// The newest frame time handed on.
    private(set) var lastTime: UInt64 = 0
    /// What was wrong with renditions that came back, for the log.
    private(set) var warnings: [String] = []

    /// The DTSC frames (a header first when a track is new) of one segment's renditions:
    /// `parts` pairs each rendition's name with its MPEG-TS.
    mutating func frames(of segment: LivepeerSegment, parts: [(name: String, ts: ArraySlice<UInt8>)]) -> [UInt8] {
        var samples: [(track: Int, sample: DemuxedSample)] = []
        for part in parts {
            let demuxer: TSDemuxer
            do {
                demuxer = try TSDemuxer(bytes: Array(part.ts))
            } catch {
                warn("rendition \(part.name) of segment \(segment.number): \(error)")
                continue
            }
            var positions: [Int: Int] = [:]
            for (position, track) in demuxer.tracks.enumerated() where track.type == "video" {
                let key = "\(part.name)\u{0}\(track.id)"
                if let known = indices[key] {
                    positions[position] = known
                } else {
                    indices[key] = found.count
                    positions[position] = found.count
                    found.append(track)
                }
            }
            let kept = demuxer.samples.filter { positions[$0.track] != nil && $0.data != nil }
            guard let first = kept.map(\.time).min() else { continue }
            for var sample in kept {
                // The broadcaster's clock mapped onto the source's, clamped at zero.
                sample.time = segment.time.addingClamped(sample.time - first)
                samples.append((positions[sample.track] ?? 0, sample))
            }
        }
        var out = list.update(found)
        samples.sort { $0.sample.time != $1.sample.time ? $0.sample.time < $1.sample.time : $0.track < $1.track }
        for (track, sample) in samples {
            guard let data = sample.data else { continue }
            let frame = data.withUnsafeBytes { raw in
                try? DTSCFrameWriter.mediaPacket(
                    trackID: UInt32(track + 1), time: sample.time, offset: sample.offset, keyframe: sample.keyframe,
                    data: raw)
            }
            if let frame { out += frame }
            lastTime = max(lastTime, sample.time)
        }
        return out
    }

    private mutating func warn(_ text: String) {
        if warnings.count < 100 { warnings.append(text) }
    }
}
