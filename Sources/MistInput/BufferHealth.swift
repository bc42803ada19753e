import MistData
import MistShm
import MistStream

/// The health object of STREAM_BUFFER, in MistServer's shape: per track its buffered
/// milliseconds, bitrate and keyframe interval range, and the whole buffer's length.
enum BufferHealth {
    /// Nil until every track has at least two keyframe intervals buffered.
    static func json(_ reader: StreamReader, tracks: [StreamTrack]) -> JSONValue? {
        guard !tracks.isEmpty else { return nil }
        var health: JSONValue = ["jitter": 0, "tracks": .array([])]
        var buffer: Int64 = 0
        var names: [JSONValue] = []
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
        health["tracks"] = .array(names)
        health["buffer"] = .int(buffer)
        return health.sortedKeys()
    }
}
