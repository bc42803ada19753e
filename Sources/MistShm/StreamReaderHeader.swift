import MistData

extension StreamReader {
    /// MistServer's name for a track in headers and stream info, such as
    /// `video_H264_1280x720_25fps_0` or `audio_AAC_2ch_48000hz_eng_1`.
    public static func trackIdentifier(_ track: StreamTrack) -> String {
        let info = track.info
        guard !info.type.isEmpty else { return "metadata_\(track.index)" }
        var name = info.type + "_" + info.codec + "_"
        if info.type == "audio" {
            name += "\(info.channels)ch_\(info.rate)hz"
        } else if info.type == "video" {
            let fps = info.fpks % 1000 == 0 ? String(info.fpks / 1000) : String(Double(info.fpks) / 1000)
            name += "\(info.width)x\(info.height)_\(fps)fps"
        }
        if !info.language.isEmpty && info.language != "und" { name += "_" + info.language }
        return name + "_\(track.index)"
    }

    /// The stream's metadata as a DTSH header: with the key, fragment and part tables for a
    /// `.dtsh` cache, or without them as a DTSC server sends viewers. `renumber` gives tracks the
    /// ids DTSC peers use (index + 1) instead of the source's.
    public func header(of indices: [Int]? = nil, includeTables: Bool, renumber: Bool) throws(SharedMemoryError)
        -> DTSHHeader
    {
        var header = DTSHHeader(isVOD: !isLive, isLive: isLive)
        let wanted = Set(indices ?? tracks().map(\.index))
        for track in tracks() where wanted.contains(track.index) {
            let cursor = try cursor(track.index)
            let t = cursor.tables
            var entry = DTSHTrack(
                identifier: Self.trackIdentifier(track),
                trackID: renumber ? UInt64(track.index + 1) : UInt64(track.info.id),
                type: track.info.type, codec: track.info.codec, initData: track.info.initData, firstMs: track.firstMs,
                lastMs: track.lastMs, bps: track.bps, maxBps: track.maxBps)
            entry.language = track.info.language.isEmpty ? nil : track.info.language
            entry.rate = UInt64(track.info.rate)
            entry.sampleSize = UInt64(track.info.sampleSize)
            entry.channels = UInt64(track.info.channels)
            entry.width = UInt64(track.info.width)
            entry.height = UInt64(track.info.height)
            entry.fpks = UInt64(track.info.fpks)
            entry.effectiveFpks = t.track.int(t.efpks, 0)
            if includeTables {
                let keys = t.keys
                for key in keys.presentRange {
                    entry.keys.append(
                        DTSHKey(
                            bytePosition: keys.int(t.keyBytePosition, key),
                            duration: UInt32(truncatingIfNeeded: keys.int(t.keyDuration, key)),
                            number: UInt32(truncatingIfNeeded: keys.int(t.keyNumber, key)),
                            partCount: UInt16(truncatingIfNeeded: keys.int(t.keyParts, key)),
                            time: keys.int(t.keyTime, key),
                            size: UInt32(truncatingIfNeeded: keys.int(t.keySize, key))))
                }
                let fragments = t.fragments
                for fragment in fragments.presentRange {
                    entry.fragments.append(
                        DTSHFragment(
                            duration: UInt32(truncatingIfNeeded: fragments.int(t.fragmentDuration, fragment)),
                            keyCount: UInt8(truncatingIfNeeded: fragments.int(t.fragmentKeys, fragment)),
                            firstKey: UInt32(truncatingIfNeeded: fragments.int(t.fragmentFirstKey, fragment)),
                            size: UInt32(truncatingIfNeeded: fragments.int(t.fragmentSize, fragment))))
                }
                let parts = t.parts
                for part in parts.presentRange {
                    entry.parts.append(
                        DTSHPart(
                            size: UInt32(truncatingIfNeeded: parts.int(t.partSize, part)),
                            duration: UInt32(truncatingIfNeeded: parts.int(t.partDuration, part)),
                            offset: UInt32(truncatingIfNeeded: parts.int(t.partOffset, part))))
                }
            }
            header.tracks.append(entry)
        }
        return header
    }
}
