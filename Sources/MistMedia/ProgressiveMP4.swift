/// A progressive (non-fragmented) MP4 of a whole file stream: `ftyp`, a `moov` with complete
/// sample tables (so players can seek), then one `mdat` with every sample in the order given.
public enum ProgressiveMP4 {
    /// One sample as it will sit in `mdat`.
    public typealias Entry = PlannedFrame

    /// Everything before the sample bytes: `ftyp`, `moov` and the `mdat` header. The samples
    /// follow in `entries` order.
    public static func header(tracks: [FMP4Writer.Track], entries: [Entry]) throws(MediaError) -> [UInt8] {
        let writer = FMP4Writer(tracks: tracks)
        let ftyp = FMP4Writer.box(
            "ftyp", Array("isom".utf8) + FMP4Writer.uint32(0x200) + Array("isomiso2avc1mp41".utf8))
        let total = entries.reduce(0) { $0 + $1.size }
        let large = total + 8 > Int(UInt32.max)
        // The moov's size does not depend on the offsets' values, so measure it with zeros first.
        var moov = try movie(writer, entries: entries, dataStart: 0, large: large)
        let dataStart = ftyp.count + moov.count + (large ? 16 : 8)
        moov = try movie(writer, entries: entries, dataStart: dataStart, large: large)
        let mdatHeader =
            large
            ? FMP4Writer.uint32(1) + Array("mdat".utf8) + FMP4Writer.uint64(UInt64(total + 16))
            : FMP4Writer.uint32(UInt32(total + 8)) + Array("mdat".utf8)
        return ftyp + moov + mdatHeader
    }

    static func movie(_ writer: FMP4Writer, entries: [Entry], dataStart: Int, large: Bool) throws(MediaError) -> [UInt8]
    {
        var positions: [[UInt64]] = Array(repeating: [], count: writer.tracks.count)
        var samples: [[Entry]] = Array(repeating: [], count: writer.tracks.count)
        var position = UInt64(dataStart)
        for entry in entries where samples.indices.contains(entry.track) {
            samples[entry.track].append(entry)
            positions[entry.track].append(position)
            position += UInt64(entry.size)
        }
        let duration = entries.map(\.time).max().map { $0 - (entries.map(\.time).min() ?? 0) } ?? 0
        var moov = writer.movieHeader(duration: duration)
        for (index, track) in writer.tracks.enumerated() {
            moov += try writer.trak(
                track, id: UInt32(index + 1), tables: tables(samples[index], positions: positions[index], large: large))
        }
        return FMP4Writer.box("moov", moov)
    }

    /// stts, ctts, stss, stsc (one sample per chunk), stsz and stco/co64 for one track.
    static func tables(_ samples: [Entry], positions: [UInt64], large: Bool) -> [UInt8] {
        var deltas: [UInt32] = []
        for index in samples.indices {
            if index + 1 < samples.count {
                let next = samples[index + 1].time
                deltas.append(UInt32(clamping: next >= samples[index].time ? next - samples[index].time : 0))
            } else {
                deltas.append(deltas.last ?? 40)
            }
        }
        var stts: [(count: UInt32, delta: UInt32)] = []
        for delta in deltas {
            if let last = stts.last, last.delta == delta {
                stts[stts.count - 1].count += 1
            } else {
                stts.append((1, delta))
            }
        }
        var out = FMP4Writer.fullBox(
            "stts",
            FMP4Writer.uint32(UInt32(stts.count))
                + stts.flatMap { FMP4Writer.uint32($0.count) + FMP4Writer.uint32($0.delta) })
        if samples.contains(where: { $0.offset != 0 }) {
            out += FMP4Writer.fullBox(
                "ctts", version: 1,
                FMP4Writer.uint32(UInt32(samples.count))
                    + samples.flatMap {
                        FMP4Writer.uint32(1) + FMP4Writer.uint32(UInt32(bitPattern: Int32(clamping: $0.offset)))
                    })
        }
        if samples.contains(where: { !$0.keyframe }) {
            let keys = samples.indices.filter { samples[$0].keyframe }.map { UInt32($0 + 1) }
            out += FMP4Writer.fullBox(
                "stss", FMP4Writer.uint32(UInt32(keys.count)) + keys.flatMap { FMP4Writer.uint32($0) })
        }
        out += FMP4Writer.fullBox(
            "stsc", FMP4Writer.uint32(1) + FMP4Writer.uint32(1) + FMP4Writer.uint32(1) + FMP4Writer.uint32(1))
        out += FMP4Writer.fullBox(
            "stsz",
            FMP4Writer.uint32(0) + FMP4Writer.uint32(UInt32(samples.count))
                + samples.flatMap { FMP4Writer.uint32(UInt32($0.size)) })
        if large {
            out += FMP4Writer.fullBox(
                "co64", FMP4Writer.uint32(UInt32(positions.count)) + positions.flatMap { FMP4Writer.uint64($0) })
        } else {
            out += FMP4Writer.fullBox(
                "stco", FMP4Writer.uint32(UInt32(positions.count)) + positions.flatMap { FMP4Writer.uint32(UInt32($0)) }
            )
        }
        return out
    }
}
