import MistData
import MistShm
import MistStream

/// The health object of STREAM_BUFFER, in MistServer's shape: per track its buffered
/// milliseconds, bitrate and keyframe interval range, the whole buffer's length, and `issues`
/// when something is wrong: keyframe intervals that vary by more than 30 % (video tracks; the
/// buffer's own audio keys are not the encoder's), or a stream HLS cannot play whole (H.264
/// without AAC or the reverse, among several tracks), in MistServer's words.
enum BufferHealth {
    /// Nil until every track has at least two keyframe intervals buffered.
    static func json(_ reader: StreamReader, tracks: [StreamTrack]) -> JSONValue? {
        guard !tracks.isEmpty else { return nil }
        var health: JSONValue = ["jitter": 0, "tracks": .array([])]
        var buffer: Int64 = 0
        var names: [JSONValue] = []
        var issues = ""
        for track in tracks {
            guard let keys = try? reader.keys(of: track.index), keys.count >= 3 else { return nil }
            let complete = keys.dropLast()
            let durations = complete.map { Int64($0.duration) }
            let (name, _) = TrackDescription.describe(track)
            let length = Int64(track.lastMs &- min(track.firstMs, track.lastMs))
            buffer = max(buffer, length)
            var entry: JSONValue = [
                "buffer": .int(length), "codec": .string(track.info.codec), "id": .int(Int64(track.info.id)),
                "idx": .int(Int64(track.index)), "jitter": 0, "kbits": .int(Int64(track.bps * 8 / 1000)),
                "keys": [
                    "ms_max": .int(durations.max() ?? 0), "ms_min": .int(durations.min() ?? 0),
                ],
            ]
            let shortest = durations.filter { $0 > 0 }.min() ?? 0
            let longest = durations.max() ?? 0
            if track.info.type == "video" && shortest > 0 && Double(longest) > Double(shortest) * 1.30 {
                issues += "unstable key interval (\((longest / shortest - 1) * 100)% \(track.info.codec) variance)! "
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
