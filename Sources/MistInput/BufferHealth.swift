import MistData
import MistShm
import MistStream

/// The health object of STREAM_BUFFER, in MistServer's shape: per track its buffered
/// milliseconds, bitrate, keyframe interval, frame duration and frames-per-key ranges, the whole
/// buffer's length, and `issues` when something is wrong, in MistServer's words: a frame of more
/// than 500 ms or a key of fewer than 6 frames ("unstable connection"), keyframe intervals that
/// vary by more than 30 % (these three for video tracks; the buffer's own audio keys are not the
/// encoder's), or a stream HLS cannot play whole (H.264 without AAC or the reverse, among
/// several tracks).
enum BufferHealth {
    /// Nil until every track has at least two keyframe intervals buffered.
    static func json(_ reader: StreamReader, tracks: [StreamTrack]) -> JSONValue? {
        guard !tracks.isEmpty else { return nil }
        var health: JSONValue = ["jitter": 0, "tracks": .array([])]
        var buffer: Int64 = 0
        var names: [JSONValue] = []
        var issues = ""
        // Metadata tracks (a pushed stream's onMetaData, say) carry no media to judge.
        for track in tracks where track.info.type != "meta" {
            guard let keys = try? reader.keys(of: track.index), keys.count >= 3 else { return nil }
            let complete = keys.dropLast().filter { $0.duration > 0 && $0.parts > 0 }
            let durations = complete.map { Int64($0.duration) }
            // Frames per key and each key's average frame duration.
            let counts = complete.map { Int64(clamping: $0.parts) }
            let frameDurations = complete.map { Int64($0.duration / $0.parts) }
            let (name, _) = TrackDescription.describe(track)
            let length = Int64(track.lastMs &- min(track.firstMs, track.lastMs))
            buffer = max(buffer, length)
            var entry: JSONValue = [
                "buffer": .int(length), "codec": .string(track.info.codec), "id": .int(Int64(track.info.id)),
                "idx": .int(Int64(track.index)), "jitter": 0, "kbits": .int(Int64(track.bps * 8 / 1000)),
                "keys": [
                    "ms_max": .int(durations.max() ?? 0), "ms_min": .int(durations.min() ?? 0),
                    "frame_ms_max": .int(frameDurations.max() ?? 0), "frame_ms_min": .int(frameDurations.min() ?? 0),
                    "frames_max": .int(counts.max() ?? 0), "frames_min": .int(counts.min() ?? 0),
                ],
            ]
            let shortest = durations.min() ?? 0
            let longest = durations.max() ?? 0
            if track.info.type == "video" {
                let codec = track.info.codec
                if let slowest = frameDurations.max(), slowest > 500 {
                    issues += "unstable connection (\(slowest)ms \(codec) frame)! "
                }
                if let fewest = counts.min(), fewest < 6 {
                    issues += "unstable connection (\(fewest) \(codec) frame(s) in key)! "
                }
                if shortest > 0 && Double(longest) > Double(shortest) * 1.30 {
                    issues += "unstable key interval (\((longest / shortest - 1) * 100)% \(codec) variance)! "
                }
            }
            if track.info.type == "video" {
                entry["width"] = .int(Int64(track.info.width))
                entry["height"] = .int(Int64(track.info.height))
                entry["fpks"] = .int(Int64(track.info.fpks))
                entry["bframes"] = false
            } else {
                entry["rate"] = .int(Int64(track.info.rate))
                entry["channels"] = .int(Int64(track.info.channels))
            }
            health[name] = entry
            names.append(.string(name))
        }
        let codecs = Set(tracks.map(\.info.codec))
        if (codecs.contains("AAC") || codecs.contains("H264")) && tracks.count > 1 {
            if !codecs.contains("AAC") { issues += "HLS no audio!" }
            if !codecs.contains("H264") { issues += "HLS no video!" }
        }
        if !issues.isEmpty { health["issues"] = .string(issues) }
        health["tracks"] = .array(names)
        health["buffer"] = .int(buffer)
        return health.sortedKeys()
    }
}
