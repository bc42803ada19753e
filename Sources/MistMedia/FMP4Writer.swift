/// Fragmented MP4 (ISO BMFF): an initialisation segment (`ftyp` + `moov` with empty sample
/// tables and `mvex`) and fragments (`moof` + `mdat`) of H.264/HEVC and AAC samples. Times are in
/// milliseconds (every track's timescale is 1000).
public struct FMP4Writer {
    public struct Track: Sendable {
        public var codec: String
        public var initData: [UInt8]
        public var width: UInt32
        public var height: UInt32
        public var rate: UInt32
        public var channels: UInt32

        public init(
            codec: String, initData: [UInt8], width: UInt32 = 0, height: UInt32 = 0, rate: UInt32 = 0,
            channels: UInt32 = 0
        ) {
            self.codec = codec
            self.initData = initData
            self.width = width
            self.height = height
            self.rate = rate
            self.channels = channels
        }

        var isVideo: Bool { codec == "H264" || codec == "HEVC" }
    }

    public struct Sample: Sendable {
        public var time: UInt64
        public var offset: Int64
        public var duration: UInt32
        public var keyframe: Bool
        public var data: [UInt8]

        public init(time: UInt64, offset: Int64, duration: UInt32, keyframe: Bool, data: [UInt8]) {
            self.time = time
            self.offset = offset
            self.duration = duration
            self.keyframe = keyframe
            self.data = data
        }
    }

    public let tracks: [Track]

    public init(tracks: [Track]) {
        self.tracks = tracks
    }

    public static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        uint32(UInt32(truncatingIfNeeded: payload.count + 8)) + Array(type.utf8) + payload
    }

    static func fullBox(_ type: String, version: UInt8 = 0, flags: UInt32 = 0, _ payload: [UInt8]) -> [UInt8] {
        box(
            type,
            [
                version, UInt8(truncatingIfNeeded: flags >> 16), UInt8(truncatingIfNeeded: flags >> 8),
                UInt8(truncatingIfNeeded: flags),
            ] + payload)
    }

    static func uint32(_ value: UInt32) -> [UInt8] {
        [
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
            UInt8(truncatingIfNeeded: value),
        ]
    }

    static func uint16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(truncatingIfNeeded: value)] }

    static func uint64(_ value: UInt64) -> [UInt8] {
        uint32(UInt32(value >> 32)) + uint32(UInt32(truncatingIfNeeded: value))
    }

    static let matrix: [UInt8] = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].flatMap { uint32(UInt32($0)) }

    /// `mvhd`: millisecond timescale, `duration` in milliseconds (0 when unknown), next track id.
    func movieHeader(duration: UInt64) -> [UInt8] {
        Self.fullBox(
            "mvhd",
            Self.uint32(0) + Self.uint32(0) + Self.uint32(1000) + Self.uint32(UInt32(clamping: duration))
                + Self.uint32(0x0001_0000) + Self.uint16(0x0100) + [UInt8](repeating: 0, count: 10) + Self.matrix
                + [UInt8](repeating: 0, count: 24) + Self.uint32(UInt32(tracks.count + 1)))
    }

    /// `ftyp` and `moov`.
    public func initSegment() throws(MediaError) -> [UInt8] {
        let ftyp = Self.box("ftyp", Array("isom".utf8) + Self.uint32(0x200) + Array("isomiso6mp41".utf8))
        var moov = movieHeader(duration: 0)
        var trex: [UInt8] = []
        for (index, track) in tracks.enumerated() {
            moov += try trak(track, id: UInt32(index + 1))
            trex += Self.fullBox(
                "trex",
                Self.uint32(UInt32(index + 1)) + Self.uint32(1) + Self.uint32(0) + Self.uint32(0) + Self.uint32(0))
        }
        moov += Self.box("mvex", trex)
        return ftyp + Self.box("moov", moov)
    }

    func trak(_ track: Track, id: UInt32, tables: [UInt8]? = nil) throws(MediaError) -> [UInt8] {
        let tkhd = Self.fullBox(
            "tkhd", flags: 3,
            Self.uint32(0) + Self.uint32(0) + Self.uint32(id) + Self.uint32(0) + Self.uint32(0)
                + [UInt8](repeating: 0, count: 8)
                + Self.uint16(0) + Self.uint16(0) + Self.uint16(track.isVideo ? 0 : 0x0100) + Self.uint16(0)
                + Self.matrix
                + Self.uint32(track.width << 16) + Self.uint32(track.height << 16))
        let mdhd = Self.fullBox(
            "mdhd",
            Self.uint32(0) + Self.uint32(0) + Self.uint32(1000) + Self.uint32(0) + Self.uint16(0x55C4) + Self.uint16(0))
        let handler = track.isVideo ? "vide" : "soun"
        let hdlr = Self.fullBox(
            "hdlr",
            Self.uint32(0) + Array(handler.utf8) + [UInt8](repeating: 0, count: 12)
                + Array((track.isVideo ? "VideoHandler" : "SoundHandler").utf8) + [0])
        let header =
            track.isVideo
            ? Self.fullBox("vmhd", flags: 1, [UInt8](repeating: 0, count: 8))
            : Self.fullBox("smhd", [UInt8](repeating: 0, count: 4))
        let dinf = Self.box("dinf", Self.fullBox("dref", Self.uint32(1) + Self.fullBox("url ", flags: 1, [])))
        let empty =
            Self.fullBox("stts", Self.uint32(0)) + Self.fullBox("stsc", Self.uint32(0))
            + Self.fullBox("stsz", Self.uint32(0) + Self.uint32(0)) + Self.fullBox("stco", Self.uint32(0))
        let stbl = Self.box(
            "stbl", Self.fullBox("stsd", Self.uint32(1) + (try sampleEntry(track))) + (tables ?? empty))
        let minf = Self.box("minf", header + dinf + stbl)
        return Self.box("trak", tkhd + Self.box("mdia", mdhd + hdlr + minf))
    }

    private func sampleEntry(_ track: Track) throws(MediaError) -> [UInt8] {
        switch track.codec {
        case "H264", "HEVC":
            let entry =
                [UInt8](repeating: 0, count: 6) + Self.uint16(1) + [UInt8](repeating: 0, count: 16)
                + Self.uint16(UInt16(truncatingIfNeeded: track.width))
                + Self.uint16(UInt16(truncatingIfNeeded: track.height))
                + Self.uint32(0x0048_0000) + Self.uint32(0x0048_0000) + Self.uint32(0) + Self.uint16(1)
                + [UInt8](repeating: 0, count: 32) + Self.uint16(0x0018) + Self.uint16(0xFFFF)
            let configuration = Self.box(track.codec == "H264" ? "avcC" : "hvcC", track.initData)
            return Self.box(track.codec == "H264" ? "avc1" : "hvc1", entry + configuration)
        case "AAC":
            let configuration = try AACConfiguration(bytes: track.initData)
            let entry = Self.audioEntry(
                channels: UInt32(configuration.channels), rate: UInt32(truncatingIfNeeded: configuration.sampleRate))
            return Self.box("mp4a", entry + Self.fullBox("esds", Self.elementaryStreamDescriptor(track.initData)))
        case "MP3":
            let entry = Self.audioEntry(channels: track.channels == 0 ? 2 : track.channels, rate: track.rate)
            return Self.box(
                "mp4a", entry + Self.fullBox("esds", Self.elementaryStreamDescriptor([], objectType: 0x6B)))
        case "opus":
            // Opus in ISO BMFF: the sample rate field is always 48 kHz; dOps holds the header.
            let header = try OpusHeader(opusHead: track.initData)
            let entry = Self.audioEntry(channels: UInt32(header.channels), rate: 48000)
            return Self.box("Opus", entry + Self.box("dOps", header.dOps))
        default:
            throw .invalid("codec \(track.codec) in MP4")
        }
    }

    /// An AudioSampleEntry's fields before its boxes.
    static func audioEntry(channels: UInt32, rate: UInt32) -> [UInt8] {
        [UInt8](repeating: 0, count: 6) + uint16(1) + [UInt8](repeating: 0, count: 8)
            + uint16(UInt16(truncatingIfNeeded: channels)) + uint16(16) + uint32(0)
            + uint32(UInt32(truncatingIfNeeded: min(rate, 0xFFFF)) << 16)
    }

    /// ES_Descriptor → DecoderConfigDescriptor (audio stream of `objectType`: 0x40 AAC, 0x6B
    /// MP3) → DecoderSpecificInfo (when there is one), SLConfig.
    static func elementaryStreamDescriptor(_ audioSpecificConfig: [UInt8], objectType: UInt8 = 0x40) -> [UInt8] {
        func descriptor(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] {
            [tag, UInt8(truncatingIfNeeded: body.count)] + body
        }
        let specific = audioSpecificConfig.isEmpty ? [] : descriptor(0x05, audioSpecificConfig)
        let decoderConfig = descriptor(0x04, [objectType, 0x15, 0, 0, 0] + uint32(0) + uint32(0) + specific)
        return descriptor(0x03, uint16(1) + [0] + decoderConfig + descriptor(0x06, [0x02]))
    }

    /// One `moof` + `mdat` holding `samples[track]` for each track (empty arrays allowed).
    public func fragment(sequence: UInt32, samples: [[Sample]]) -> [UInt8] {
        // Build the moof once with placeholder data offsets, then patch them.
        var trafs: [[UInt8]] = []
        var dataOffsetPositions: [Int] = []
        for (index, list) in samples.enumerated() where !list.isEmpty {
            let tfhd = Self.fullBox("tfhd", flags: 0x020000, Self.uint32(UInt32(index + 1)))
            let tfdt = Self.fullBox("tfdt", version: 1, Self.uint64(list[0].time))
            var entries: [UInt8] = []
            for sample in list {
                let flags: UInt32 = sample.keyframe ? 0x0200_0000 : 0x0101_0000
                entries += Self.uint32(sample.duration) + Self.uint32(UInt32(sample.data.count)) + Self.uint32(flags)
                entries += Self.uint32(UInt32(bitPattern: Int32(clamping: sample.offset)))
            }
            // data-offset, duration, size, flags and composition offset present (version 1: signed).
            let trun = Self.fullBox(
                "trun", version: 1, flags: 0x000F01, Self.uint32(UInt32(list.count)) + Self.uint32(0) + entries)
            dataOffsetPositions.append(8 + tfhd.count + tfdt.count + 8 + 4 + 4)  // within the traf
            trafs.append(Self.box("traf", tfhd + tfdt + trun))
        }
        let mfhd = Self.fullBox("mfhd", Self.uint32(sequence))
        var moof = Self.box("moof", mfhd + trafs.flatMap { $0 })
        // Patch each trun's data offset: from the start of moof to the track's first byte in mdat.
        var dataStart = moof.count + 8
        var trafStart = 8 + mfhd.count
        var trafIndex = 0
        var mdat: [UInt8] = []
        for list in samples where !list.isEmpty {
            let position = trafStart + dataOffsetPositions[trafIndex]
            let offset = Self.uint32(UInt32(dataStart))
            for byte in 0..<4 { moof[position + byte] = offset[byte] }
            for sample in list { mdat += sample.data }
            dataStart += list.reduce(0) { $0 + $1.data.count }
            trafStart += trafs[trafIndex].count
            trafIndex += 1
        }
        return moof + Self.box("mdat", mdat)
    }
}
