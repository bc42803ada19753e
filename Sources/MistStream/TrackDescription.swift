import MistData
import MistMedia
import MistShm

/// Tracks as MistServer describes them in `meta.tracks` of stream info and in LIVE_TRACK_LIST:
/// keyed `<type>_<codec>_<size or channels and rate>_<index>`.
public enum TrackDescription {
    /// The `meta.tracks` object of `tracks`.
    public static func tracks(_ tracks: [StreamTrack]) -> JSONValue {
        var object = JSONValue.emptyObject
        for track in tracks {
            let (name, entry) = describe(track)
            object[name] = entry
        }
        return object
    }

    /// One track's key and entry.
    public static func describe(_ track: StreamTrack) -> (name: String, entry: JSONValue) {
        var entry: JSONValue = [
            "idx": .int(Int64(track.index)), "trackid": .int(Int64(track.info.id)), "type": .string(track.info.type),
            "codec": .string(track.info.codec), "firstms": .int(Int64(track.firstMs)),
            "lastms": .int(Int64(track.lastMs)), "bps": .int(Int64(track.bps)), "maxbps": .int(Int64(track.maxBps)),
            "init": .string(bytes: track.info.initData),
            "codecstring": .string(HLSPlaylist.codecString(codec: track.info.codec, initData: track.info.initData)),
        ]
        var name = "\(track.info.type)_\(track.info.codec)"
        if track.info.type == "video" {
            entry["width"] = .int(Int64(track.info.width))
            entry["height"] = .int(Int64(track.info.height))
            entry["fpks"] = .int(Int64(track.info.fpks))
            entry["fps"] = .int(Int64(track.info.fpks / 1000))
            name += "_\(track.info.width)x\(track.info.height)"
            if track.info.fpks > 0 { name += "_\(track.info.fpks / 1000)fps" }
        } else if track.info.type == "audio" {
            entry["rate"] = .int(Int64(track.info.rate))
            entry["channels"] = .int(Int64(track.info.channels))
            entry["size"] = .int(Int64(track.info.sampleSize))
            name += "_\(track.info.channels)ch_\(track.info.rate)hz"
        }
        if !track.info.language.isEmpty { entry["lang"] = .string(track.info.language) }
        return (name + "_\(track.index)", entry)
    }
}
