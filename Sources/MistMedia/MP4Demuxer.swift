/// MP4 and MOV files, plain or fragmented, read into tracks and samples in decode order: the
/// sample tables (`stts`, `ctts`, `stss`, `stsz`, `stsc`, `stco`/`co64`), edit lists, and movie
/// fragments (`moof`/`traf`/`trun` with `trex` defaults). Malformed files throw; a file cut
/// short keeps the samples whose bytes are all there.
public struct MP4Demuxer {
    public private(set) var tracks: [DemuxedTrack] = []
    /// Every sample of every track, by decode time (then file position).
    public private(set) var samples: [DemuxedSample] = []
    /// What was wrong but could be read around (samples past the end of a truncated file).
    public private(set) var warnings: [String] = []

    /// Per track while reading: its timescale, edit list shift and raw samples in ticks.
    struct TrackState {
        var id: UInt32
        var timescale: UInt64
        /// Media ticks to subtract (the first edit's media time) and milliseconds to add (empty edits).
        var shiftTicks: Int64 = 0
        var delayMs: Int64 = 0
        var ticks: [(dts: Int64, cts: Int64, keyframe: Bool, position: Int, size: Int)] = []
        var defaults = (duration: UInt32(0), size: UInt32(0), flags: UInt32(0))
        /// The duration of the last fragment sample, for a fragment without `tfdt`.
        var lastDuration: UInt32 = 0
    }

    public init(bytes: [UInt8]) throws(MediaError) {
        try self.init(top: try MP4Box.list(bytes[...]), fileSize: bytes.count) { position, count in
            guard position >= 0, count >= 0, position <= bytes.count - count else { return nil }
            return Array(bytes[position..<(position + count)])
        }
    }

    /// A file given as its top-level boxes (only `moov` and `moof` need their payloads; each
    /// box's `start` is its position in the file) and its size; `read` fetches the few bytes
    /// of samples the demuxer looks into (timed text's length prefix).
    public init(top: [MP4Box], fileSize: Int, read: (_ position: Int, _ count: Int) -> [UInt8]?) throws(MediaError) {
        guard let moov = top.first(where: { $0.type == "moov" }) else { throw .invalid("MP4 file without a moov box") }
        var states: [TrackState] = []
        let movieTimescale = try Self.movieTimescale(moov)
        for trak in try moov.children("trak") {
            guard let (track, state) = try Self.track(trak, movieTimescale: movieTimescale, fileSize: fileSize)
            else { continue }
            tracks.append(track)
            states.append(state)
        }
        if let mvex = try moov.child("mvex") {
            for trex in try mvex.children("trex") {
                var reader = trex.reader()
                try reader.skip(4)
                let id = try reader.uint32()
                try reader.skip(4)
                let defaults = (try reader.uint32(), try reader.uint32(), try reader.uint32())
                if let index = states.firstIndex(where: { $0.id == id }) { states[index].defaults = defaults }
            }
        }
        for moof in top where moof.type == "moof" {
            try Self.fragment(moof, states: &states, fileSize: fileSize)
        }
        // Cut samples whose bytes are not in the file (a truncated download).
        for index in states.indices {
            let before = states[index].ticks.count
            states[index].ticks.removeAll { $0.position < 0 || $0.size < 0 || $0.position > fileSize - $0.size }
            let dropped = before - states[index].ticks.count
            if dropped > 0 {
                warnings.append("track \(states[index].id): \(dropped) samples lie past the end of the file")
            }
        }
        buildSamples(states)
        // Timed text (tx3g) samples: a 16-bit length, the UTF-8 text, then style boxes; the
        // stream keeps the text alone, as MistServer does. Empty samples stay: they end a cue.
        for index in samples.indices where tracks.indices.contains(samples[index].track) {
            guard tracks[samples[index].track].codec == "subtitle" else { continue }
            let position = samples[index].position
            guard samples[index].size >= 2, let prefix = read(position, 2), prefix.count == 2 else {
                samples[index].size = 0
                continue
            }
            let length = Int(prefix[0]) << 8 | Int(prefix[1])
            samples[index].position = position + 2
            samples[index].size = min(length, samples[index].size - 2)
        }
    }

    /// Converts ticks to milliseconds on one timeline: edit lists applied, then every track
    /// moved by the same amount so no decode time is negative.
    private mutating func buildSamples(_ states: [TrackState]) {
        func ms(_ ticks: Int64, _ timescale: UInt64) -> Int64 {
            let scale = Int64(clamping: max(timescale, 1))
            let (quotient, remainder) = ticks.quotientAndRemainder(dividingBy: scale)
            return quotient &* 1000 &+ (remainder &* 1000) / scale
        }
        var converted: [[(dts: Int64, pts: Int64, keyframe: Bool, position: Int, size: Int)]] = []
        var earliest: Int64 = 0
        for state in states {
            let list = state.ticks.map { sample in
                (
                    dts: ms(sample.dts &- state.shiftTicks, state.timescale) &+ state.delayMs,
                    pts: ms(sample.cts &- state.shiftTicks, state.timescale) &+ state.delayMs,
                    keyframe: sample.keyframe, position: sample.position, size: sample.size
                )
            }
            if let first = list.first { earliest = min(earliest, first.dts) }
            converted.append(list)
        }
        for (index, list) in converted.enumerated() {
            for sample in list {
                samples.append(
                    DemuxedSample(
                        track: index, time: UInt64(clamping: sample.dts &- earliest), offset: sample.pts &- sample.dts,
                        keyframe: sample.keyframe, position: sample.position, size: sample.size))
            }
            let count = list.count
            if tracks[index].type == "video", count > 1, let first = list.first, let last = list.last,
                last.dts > first.dts
            {
                tracks[index].fpks = UInt32(clamping: Int64(count - 1) &* 1_000_000 / (last.dts &- first.dts))
            }
        }
        samples.sort { $0.time != $1.time ? $0.time < $1.time : $0.position < $1.position }
    }

    static func movieTimescale(_ moov: MP4Box) throws(MediaError) -> UInt64 {
        guard let mvhd = try moov.child("mvhd") else { return 1000 }
        var reader = mvhd.reader()
        let version = try reader.uint8()
        try reader.skip(3 + (version == 1 ? 16 : 8))
        return UInt64(max(try reader.uint32(), 1))
    }

    /// One `trak`: nil for kinds of track not carried (hint, text ...).
    static func track(_ trak: MP4Box, movieTimescale: UInt64, fileSize: Int) throws(MediaError) -> (
        DemuxedTrack, TrackState
    )? {
        guard let tkhd = try trak.child("tkhd"), let mdia = try trak.child("mdia"),
            let mdhd = try mdia.child("mdhd"), let hdlr = try mdia.child("hdlr"),
            let stbl = try mdia.child("minf")?.child("stbl"), let stsd = try stbl.child("stsd")
        else { throw .invalid("trak box without its tables") }
        var reader = tkhd.reader()
        let tkhdVersion = try reader.uint8()
        try reader.skip(3 + (tkhdVersion == 1 ? 16 : 8))
        let id = try reader.uint32()
        reader = mdhd.reader()
        let mdhdVersion = try reader.uint8()
        try reader.skip(3 + (mdhdVersion == 1 ? 16 : 8))
        let timescale = UInt64(try reader.uint32())
        guard timescale > 0 else { throw .invalid("track \(id) timescale 0") }
        try reader.skip(mdhdVersion == 1 ? 8 : 4)
        let packedLanguage = try reader.uint16()
        reader = hdlr.reader()
        try reader.skip(8)
        let handler = String(decoding: try reader.take(4), as: UTF8.self)
        let textHandlers: Set<String> = ["sbtl", "text", "subt"]
        guard handler == "vide" || handler == "soun" || textHandlers.contains(handler) else { return nil }
        guard
            var track = textHandlers.contains(handler)
                ? try textEntry(stsd, id: id) : try sampleEntry(stsd, id: id, video: handler == "vide")
        else { return nil }
        if packedLanguage != 0 && packedLanguage != 0x7FFF {
            let letters = [10, 5, 0].map { UInt8(truncatingIfNeeded: (packedLanguage >> $0) & 0x1F) + 0x60 }
            track.language = String(decoding: letters, as: UTF8.self)
        }
        var state = TrackState(id: id, timescale: timescale)
        try editList(trak, state: &state, movieTimescale: movieTimescale)
        state.ticks = try sampleTable(stbl, trackID: id, fileSize: fileSize)
        return (track, state)
    }

    /// A text track's first sample entry: 3GPP timed text (`tx3g`, what ffmpeg's mov_text
    /// writes) becomes a subtitle track; other text formats are not carried.
    static func textEntry(_ stsd: MP4Box, id: UInt32) throws(MediaError) -> DemuxedTrack? {
        guard let entry = try MP4Box.list(stsd.payload.dropFirst(8)).first else { throw .invalid("empty stsd") }
        guard entry.type == "tx3g" else { return nil }
        return DemuxedTrack(type: "meta", codec: "subtitle", initData: [], id: id)
    }

    /// The first sample entry of `stsd`: codec, init data and picture or sound properties.
    static func sampleEntry(_ stsd: MP4Box, id: UInt32, video: Bool) throws(MediaError) -> DemuxedTrack? {
        guard let entry = try MP4Box.list(stsd.payload.dropFirst(8)).first else { throw .invalid("empty stsd") }
        var reader = ByteReader(Array(entry.payload), what: "\(entry.type) sample entry")
        try reader.skip(8)
        if video {
            try reader.skip(16)
            let width = UInt32(try reader.uint16())
            let height = UInt32(try reader.uint16())
            try reader.skip(50)
            let children = try MP4Box.list(entry.payload.dropFirst(reader.position))
            let codecs: [String: (String, String)] = [
                "avc1": ("H264", "avcC"), "avc3": ("H264", "avcC"), "hvc1": ("HEVC", "hvcC"),
                "hev1": ("HEVC", "hvcC"), "av01": ("AV1", "av1C"), "vp09": ("VP9", "vpcC"),
            ]
            guard let (codec, configuration) = codecs[entry.type] else { return nil }
            var track = DemuxedTrack(
                type: "video", codec: codec,
                initData: children.first { $0.type == configuration }.map { Array($0.payload) } ?? [], id: id)
            track.width = width
            track.height = height
            let frameRate = track.fpks
            track.readConfiguration()
            // The sample table's frame rate is the real one; the SPS may not say or may disagree.
            track.fpks = frameRate
            return track
        }
        let version = try reader.uint16()
        try reader.skip(6)
        let channels = UInt32(try reader.uint16())
        let sampleSize = UInt32(try reader.uint16())
        try reader.skip(4)
        let rate = try reader.uint32() >> 16
        try reader.skip(version == 1 ? 16 : version == 2 ? 36 : 0)
        var children = try MP4Box.list(entry.payload.dropFirst(reader.position))
        if let wave = children.first(where: { $0.type == "wave" }) { children += try MP4Box.list(wave.payload) }
        var track: DemuxedTrack
        switch entry.type {
        case "mp4a":
            guard let esds = children.first(where: { $0.type == "esds" }) else { throw .invalid("mp4a without esds") }
            let (objectType, specific) = try elementaryStreamConfig(esds)
            if objectType == 0x69 || objectType == 0x6B {
                track = DemuxedTrack(type: "audio", codec: "MP3", initData: [], id: id)
            } else {
                track = DemuxedTrack(type: "audio", codec: "AAC", initData: specific, id: id)
            }
        case ".mp3": track = DemuxedTrack(type: "audio", codec: "MP3", initData: [], id: id)
        case "Opus":
            guard let dOps = children.first(where: { $0.type == "dOps" }) else { throw .invalid("Opus without dOps") }
            let header = try OpusHeader(dOps: Array(dOps.payload))
            track = DemuxedTrack(type: "audio", codec: "opus", initData: header.opusHead, id: id)
        case "ac-3": track = DemuxedTrack(type: "audio", codec: "AC3", initData: [], id: id)
        default: return nil
        }
        track.channels = channels
        track.rate = rate
        track.sampleSize = sampleSize
        track.readConfiguration()
        if track.codec == "opus" { track.rate = 48000 }
        return track
    }

    /// The object type and decoder-specific bytes of an `esds` box's descriptors.
    static func elementaryStreamConfig(_ esds: MP4Box) throws(MediaError) -> (UInt8, [UInt8]) {
        var reader = esds.reader()
        try reader.skip(4)
        func descriptor(_ reader: inout ByteReader) throws(MediaError) -> (tag: UInt8, length: Int) {
            let tag = try reader.uint8()
            var length = 0
            for _ in 0..<4 {
                let byte = try reader.uint8()
                length = length << 7 | Int(byte & 0x7F)
                if byte & 0x80 == 0 { break }
            }
            return (tag, length)
        }
        guard try descriptor(&reader).tag == 3 else { throw .invalid("esds without an ES descriptor") }
        try reader.skip(2)
        let flags = try reader.uint8()
        if flags & 0x80 != 0 { try reader.skip(2) }
        if flags & 0x40 != 0 { try reader.skip(Int(try reader.uint8())) }
        if flags & 0x20 != 0 { try reader.skip(2) }
        guard try descriptor(&reader).tag == 4 else { throw .invalid("esds without a decoder configuration") }
        let objectType = try reader.uint8()
        try reader.skip(12)
        guard !reader.isAtEnd else { return (objectType, []) }
        let specific = try descriptor(&reader)
        guard specific.tag == 5 else { return (objectType, []) }
        return (objectType, Array(try reader.take(specific.length)))
    }

    /// The first edit's media time (ticks to drop) and empty edits before it (a delay).
    static func editList(_ trak: MP4Box, state: inout TrackState, movieTimescale: UInt64) throws(MediaError) {
        guard let elst = try trak.child("edts")?.child("elst") else { return }
        var reader = elst.reader()
        let version = try reader.uint8()
        try reader.skip(3)
        let count = Int(try reader.uint32())
        for _ in 0..<min(count, reader.remaining / 12) {
            let duration = Int64(bitPattern: try reader.uint(version == 1 ? 8 : 4))
            let mediaTime =
                version == 1
                ? Int64(bitPattern: try reader.uint(8)) : Int64(Int32(bitPattern: try reader.uint32()))
            try reader.skip(4)
            if mediaTime < 0 {
                state.delayMs &+= duration &* 1000 / Int64(clamping: movieTimescale)
                continue
            }
            state.shiftTicks = mediaTime
            return
        }
    }

    /// A plain (not fragmented) track's samples from its sample tables.
    static func sampleTable(_ stbl: MP4Box, trackID: UInt32, fileSize: Int = .max) throws(MediaError) -> [(
        dts: Int64, cts: Int64, keyframe: Bool, position: Int, size: Int
    )] {
        // Sizes.
        var sizes: [Int] = []
        if let stsz = try stbl.child("stsz") {
            var reader = stsz.reader()
            try reader.skip(4)
            let fixed = Int(try reader.uint32())
            let count = Int(try reader.uint32())
            if fixed != 0 {
                // A fixed size: as many samples as fit in the file, at most.
                guard count <= fileSize / fixed + 1 else { throw .invalid("stsz count of track \(trackID)") }
                sizes = [Int](repeating: fixed, count: count)
            } else {
                guard count <= reader.remaining / 4 else { throw .truncated("stsz of track \(trackID)") }
                sizes.reserveCapacity(count)
                for _ in 0..<count { sizes.append(Int(try reader.uint32())) }
            }
        }
        guard !sizes.isEmpty else { return [] }
        // Decode times.
        var dts: [Int64] = []
        dts.reserveCapacity(sizes.count)
        if let stts = try stbl.child("stts") {
            var reader = stts.reader()
            try reader.skip(4)
            let entries = Int(try reader.uint32())
            guard entries <= reader.remaining / 8 else { throw .truncated("stts of track \(trackID)") }
            var time: Int64 = 0
            for _ in 0..<entries where dts.count < sizes.count {
                let count = Int(try reader.uint32())
                let delta = Int64(try reader.uint32())
                for _ in 0..<min(count, sizes.count - dts.count) {
                    dts.append(time)
                    time &+= delta
                }
            }
        }
        let total = min(sizes.count, dts.count)
        // Composition offsets.
        var offsets = [Int64](repeating: 0, count: total)
        if let ctts = try stbl.child("ctts") {
            var reader = ctts.reader()
            try reader.skip(4)
            let entries = Int(try reader.uint32())
            guard entries <= reader.remaining / 8 else { throw .truncated("ctts of track \(trackID)") }
            var index = 0
            for _ in 0..<entries where index < total {
                let count = Int(try reader.uint32())
                let offset = Int64(Int32(bitPattern: try reader.uint32()))
                for _ in 0..<min(count, total - index) {
                    offsets[index] = offset
                    index += 1
                }
            }
        }
        // Keyframes: every sample when there is no stss.
        var keyframes = [Bool](repeating: true, count: total)
        if let stss = try stbl.child("stss") {
            keyframes = [Bool](repeating: false, count: total)
            var reader = stss.reader()
            try reader.skip(4)
            let entries = Int(try reader.uint32())
            guard entries <= reader.remaining / 4 else { throw .truncated("stss of track \(trackID)") }
            for _ in 0..<entries {
                let number = Int(try reader.uint32())
                if number >= 1 && number <= total { keyframes[number - 1] = true }
            }
        }
        // Positions: chunk offsets, and how many samples each chunk holds.
        var chunkOffsets: [Int] = []
        var offsetTable = try stbl.child("stco")
        if offsetTable == nil { offsetTable = try stbl.child("co64") }
        if let stco = offsetTable {
            var reader = stco.reader()
            try reader.skip(4)
            let width = stco.type == "co64" ? 8 : 4
            let entries = Int(try reader.uint32())
            guard entries <= reader.remaining / width else { throw .truncated("\(stco.type) of track \(trackID)") }
            for _ in 0..<entries { chunkOffsets.append(Int(clamping: try reader.uint(width))) }
        }
        var runs: [(firstChunk: Int, samples: Int)] = []
        if let stsc = try stbl.child("stsc") {
            var reader = stsc.reader()
            try reader.skip(4)
            let entries = Int(try reader.uint32())
            guard entries <= reader.remaining / 12 else { throw .truncated("stsc of track \(trackID)") }
            for _ in 0..<entries {
                let first = Int(try reader.uint32())
                let samples = Int(try reader.uint32())
                try reader.skip(4)
                runs.append((first, samples))
            }
        }
        var result: [(dts: Int64, cts: Int64, keyframe: Bool, position: Int, size: Int)] = []
        result.reserveCapacity(total)
        var sample = 0
        for (runIndex, run) in runs.enumerated() where sample < total {
            guard run.firstChunk >= 1, run.samples > 0 else { throw .invalid("stsc entry of track \(trackID)") }
            let lastChunk = runIndex + 1 < runs.count ? runs[runIndex + 1].firstChunk - 1 : chunkOffsets.count
            guard lastChunk >= run.firstChunk - 1 else { throw .invalid("stsc order of track \(trackID)") }
            // Only chunks the chunk offset table has: a run claiming billions of chunks loops no further.
            let upper = min(max(run.firstChunk, lastChunk), chunkOffsets.count)
            guard run.firstChunk <= upper else { continue }
            for chunk in run.firstChunk...upper {
                var position = chunkOffsets[chunk - 1]
                for _ in 0..<run.samples where sample < total {
                    result.append(
                        (dts[sample], dts[sample] &+ offsets[sample], keyframes[sample], position, sizes[sample]))
                    position &+= sizes[sample]
                    sample += 1
                }
                if sample >= total { break }
            }
        }
        return result
    }

    /// A movie fragment: each `traf`'s runs appended to its track.
    static func fragment(_ moof: MP4Box, states: inout [TrackState], fileSize: Int) throws(MediaError) {
        for traf in try moof.children("traf") {
            guard let tfhd = try traf.child("tfhd") else { throw .invalid("traf without tfhd") }
            var reader = tfhd.reader()
            let flags = try reader.uint32() & 0xFF_FFFF
            let id = try reader.uint32()
            guard let index = states.firstIndex(where: { $0.id == id }) else { continue }
            var base = moof.start
            if flags & 0x1 != 0 { base = Int(clamping: try reader.uint(8)) }
            if flags & 0x2 != 0 { try reader.skip(4) }
            var defaults = states[index].defaults
            if flags & 0x8 != 0 { defaults.duration = try reader.uint32() }
            if flags & 0x10 != 0 { defaults.size = try reader.uint32() }
            if flags & 0x20 != 0 { defaults.flags = try reader.uint32() }
            var time = states[index].ticks.last.map { $0.dts &+ Int64(states[index].lastDuration) } ?? 0
            if let tfdt = try traf.child("tfdt") {
                var tfdtReader = tfdt.reader()
                let version = try tfdtReader.uint8()
                try tfdtReader.skip(3)
                time = Int64(clamping: try tfdtReader.uint(version == 1 ? 8 : 4))
            }
            var position = base
            for trun in try traf.children("trun") {
                var run = trun.reader()
                let version = try run.uint8()
                let runFlags = try run.uint24()
                let count = Int(try run.uint32())
                if runFlags & 0x1 != 0 { position = base &+ Int(Int32(bitPattern: try run.uint32())) }
                var firstFlags: UInt32?
                if runFlags & 0x4 != 0 { firstFlags = try run.uint32() }
                let fieldBytes = [0x100, 0x200, 0x400, 0x800].filter { runFlags & $0 != 0 }.count * 4
                guard fieldBytes == 0 || count <= run.remaining / fieldBytes else { throw .truncated("trun") }
                // Without per-sample fields nothing in the box bounds the count: its samples must
                // at least fit in the file (zero-sized ones count as one byte).
                guard fieldBytes != 0 || count <= fileSize / max(1, Int(defaults.size)) + 1 else {
                    throw .invalid("trun sample count \(count)")
                }
                for sample in 0..<count {
                    let duration = runFlags & 0x100 != 0 ? try run.uint32() : defaults.duration
                    let size = runFlags & 0x200 != 0 ? try run.uint32() : defaults.size
                    var sampleFlags = runFlags & 0x400 != 0 ? try run.uint32() : defaults.flags
                    if sample == 0, let firstFlags { sampleFlags = firstFlags }
                    var offset: Int64 = 0
                    if runFlags & 0x800 != 0 {
                        let raw = try run.uint32()
                        offset = version == 0 ? Int64(raw) : Int64(Int32(bitPattern: raw))
                    }
                    let keyframe = sampleFlags & 0x1_0000 == 0
                    states[index].ticks.append((time, time &+ offset, keyframe, position, Int(size)))
                    states[index].lastDuration = duration
                    time &+= Int64(duration)
                    position &+= Int(size)
                }
            }
        }
    }
}
