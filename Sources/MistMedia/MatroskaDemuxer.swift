/// Matroska and WebM files (MistServer's EBML input): the tracks of `Tracks` and every frame of
/// the clusters (`SimpleBlock`s and `BlockGroup`s, with Xiph, EBML or fixed lacing), timed on the
/// file's timestamp scale. Blocks carry presentation times in decode order; a video track's
/// decode times are those presentation times sorted within each keyframe interval. Elements of
/// unknown size (live captures) run to their parent's end or the next cluster. A file cut short
/// keeps its whole blocks; bytes that are not EBML throw.
public struct MatroskaDemuxer {
    public private(set) var tracks: [DemuxedTrack] = []
    public private(set) var samples: [DemuxedSample] = []
    public private(set) var warnings: [String] = []

    static let maximumTracks = 64
    static let maximumLacedFrames = 256
    static let maximumDepth = 8

    private let bytes: [UInt8]
    /// Track number → index into `tracks`.
    private var numbers: [UInt64: Int] = [:]
    private var scale: UInt64 = 1_000_000

    public init(bytes: [UInt8]) throws(MediaError) {
        self.bytes = bytes
        guard bytes.count >= 4, Array(bytes[0..<4]) == [0x1A, 0x45, 0xDF, 0xA3] else {
            throw .invalid("not an EBML file")
        }
        var position = 0
        while position < bytes.count {
            guard let element = try? element(at: position, end: bytes.count) else { break }
            if element.id == 0x18538067 { try segment(element.start, element.end) }
            position = element.end
        }
        guard !tracks.isEmpty else { throw .invalid("no tracks in the Matroska file") }
        decodeTimes()
    }

    struct Element {
        var id: UInt32
        var start: Int
        var end: Int
        var unknownSize: Bool
    }

    /// The element at `position` within `end`; a size past `end` (a file cut short) is cut to it.
    private func element(at position: Int, end: Int) throws(MediaError) -> Element {
        guard position < end else { throw .truncated("EBML element") }
        let first = bytes[position]
        guard first != 0 else { throw .invalid("EBML ID") }
        let idLength = first.leadingZeroBitCount + 1
        guard idLength <= 4, position + idLength <= end else { throw .invalid("EBML ID") }
        var id: UInt32 = 0
        for index in 0..<idLength { id = id << 8 | UInt32(bytes[position + index]) }
        let (size, sizeLength, unknown) = try vint(at: position + idLength, end: end)
        let start = position + idLength + sizeLength
        let available = UInt64(end - start)
        let stop = unknown || size > available ? end : start + Int(size)
        return Element(id: id, start: start, end: stop, unknownSize: unknown)
    }

    /// A variable-length integer: its value, its length, and whether it is the "unknown" value.
    private func vint(at position: Int, end: Int) throws(MediaError) -> (UInt64, Int, Bool) {
        guard position < end else { throw .truncated("EBML size") }
        let first = bytes[position]
        guard first != 0 else { throw .invalid("EBML size") }
        let length = first.leadingZeroBitCount + 1
        guard position + length <= end else { throw .truncated("EBML size") }
        var value = UInt64(first) & ((1 << (8 - UInt64(length))) - 1)
        var allOnes = value == (1 << (8 - UInt64(length))) - 1
        for index in 1..<length {
            value = value << 8 | UInt64(bytes[position + index])
            allOnes = allOnes && bytes[position + index] == 0xFF
        }
        return (value, length, allOnes)
    }

    private func unsigned(_ element: Element) -> UInt64 {
        bytes[element.start..<min(element.end, element.start + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    private func float(_ element: Element) -> Double {
        let raw = unsigned(element)
        switch element.end - element.start {
        case 4: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
        case 8: return Double(bitPattern: raw)
        default: return 0
        }
    }

    private func string(_ element: Element) -> String {
        String(decoding: bytes[element.start..<element.end].prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The children of an element, as they come.
    private func children(_ start: Int, _ end: Int, _ body: (Element) throws(MediaError) -> Void) throws(MediaError) {
        var position = start
        while position < end {
            guard let child = try? element(at: position, end: end) else { return }
            try body(child)
            guard child.end > position else { return }
            position = child.end
        }
    }

    private mutating func segment(_ start: Int, _ end: Int) throws(MediaError) {
        var position = start
        while position < end {
            guard let child = try? element(at: position, end: end) else { return }
            switch child.id {
            case 0x1549A966:
                try children(child.start, child.end) { item throws(MediaError) in
                    if item.id == 0x2AD7B1 { scale = max(1, min(unsigned(item), 1_000_000_000)) }
                }
                position = child.end
            case 0x1654AE6B:
                try children(child.start, child.end) { entry throws(MediaError) in
                    if entry.id == 0xAE { try track(entry) }
                }
                position = child.end
            case 0x1F43B675:
                position = try cluster(child, segmentEnd: end)
            default:
                position = child.end
            }
        }
    }

    private mutating func track(_ entry: Element) throws(MediaError) {
        guard tracks.count < Self.maximumTracks else {
            warnings.append("more than \(Self.maximumTracks) tracks; the rest are left out")
            return
        }
        var number: UInt64 = 0
        var kind: UInt64 = 0
        var codecID = ""
        var initData: [UInt8] = []
        var language = ""
        var defaultDuration: UInt64 = 0
        var video: (UInt32, UInt32) = (0, 0)
        var audio: (UInt32, UInt32) = (0, 0)
        try children(entry.start, entry.end) { item throws(MediaError) in
            switch item.id {
            case 0xD7: number = unsigned(item)
            case 0x83: kind = unsigned(item)
            case 0x86: codecID = string(item)
            case 0x63A2: initData = Array(bytes[item.start..<item.end])
            case 0x22B59C: language = string(item)
            case 0x23E383: defaultDuration = unsigned(item)
            case 0xE0:
                try children(item.start, item.end) { size throws(MediaError) in
                    if size.id == 0xB0 { video.0 = UInt32(clamping: unsigned(size)) }
                    if size.id == 0xBA { video.1 = UInt32(clamping: unsigned(size)) }
                }
            case 0xE1:
                try children(item.start, item.end) { sound throws(MediaError) in
                    if sound.id == 0xB5 {
                        let rate = float(sound)
                        audio.0 = rate.isFinite && rate > 0 && rate < 1e7 ? UInt32(rate) : 0
                    }
                    if sound.id == 0x9F { audio.1 = UInt32(clamping: unsigned(sound)) }
                }
            default: break
            }
        }
        let codecs: [(String, String, String)] = [
            ("V_MPEG4/ISO/AVC", "H264", "video"), ("V_MPEGH/ISO/HEVC", "HEVC", "video"), ("V_VP8", "VP8", "video"),
            ("V_VP9", "VP9", "video"), ("V_AV1", "AV1", "video"), ("A_AAC", "AAC", "audio"),
            ("A_OPUS", "opus", "audio"), ("A_MPEG/L3", "MP3", "audio"), ("A_VORBIS", "vorbis", "audio"),
            ("A_AC3", "AC3", "audio"), ("S_TEXT/UTF8", "subtitle", "meta"),
        ]
        guard let (_, codec, type) = codecs.first(where: { codecID.hasPrefix($0.0) }), number > 0,
            numbers[number] == nil
        else {
            warnings.append("track \(number) (\(codecID), type \(kind)) is left out: its codec is not supported")
            return
        }
        var described = DemuxedTrack(
            type: type, codec: codec, initData: initData, id: UInt32(clamping: number))
        described.language = language == "und" ? "" : language
        (described.width, described.height) = video
        (described.rate, described.channels) = audio
        if defaultDuration > 0 && type == "video" {
            described.fpks = UInt32(clamping: 1_000_000_000_000 / max(defaultDuration, 1))
        }
        if codec == "H264" || codec == "HEVC" || (codec == "AAC" && audio.0 == 0) { described.readConfiguration() }
        numbers[number] = tracks.count
        tracks.append(described)
    }

    /// The blocks of a cluster; where the next top-level element starts.
    private mutating func cluster(_ cluster: Element, segmentEnd: Int) throws(MediaError) -> Int {
        var time: UInt64 = 0
        var position = cluster.start
        while position < cluster.end {
            guard let child = try? element(at: position, end: cluster.end) else { return cluster.end }
            // A cluster of unknown size ends where the next top-level element begins.
            if cluster.unknownSize && [0x1F43B675, 0x1C53BB6B, 0x1254C367, 0x1941A469].contains(child.id) {
                return position
            }
            switch child.id {
            case 0xE7: time = unsigned(child)
            case 0xA3: block(child, clusterTime: time, simple: true)
            case 0xA0:
                var keyframe = true
                var found: Element?
                try children(child.start, child.end) { item throws(MediaError) in
                    if item.id == 0xA1 { found = item }
                    if item.id == 0xFB { keyframe = false }
                }
                if let found { block(found, clusterTime: time, simple: false, keyframe: keyframe) }
            default: break
            }
            position = child.end
        }
        return cluster.end
    }

    private mutating func block(_ block: Element, clusterTime: UInt64, simple: Bool, keyframe: Bool = false) {
        guard let (number, length, _) = try? vint(at: block.start, end: block.end),
            let track = numbers[number], block.start + length + 3 <= block.end
        else { return }
        let head = block.start + length
        let relative = Int16(bitPattern: UInt16(bytes[head]) << 8 | UInt16(bytes[head + 1]))
        let flags = bytes[head + 2]
        let isKey = simple ? flags & 0x80 != 0 : keyframe
        let ticks = Int64(clamping: clusterTime) &+ Int64(relative)
        let positiveTicks: UInt64 = ticks > 0 ? UInt64(ticks) : 0
        let milliseconds = positiveTicks.multipliedReportingOverflow(by: scale).partialValue / 1_000_000
        var frames: [(position: Int, size: Int)] = []
        let payload = head + 3
        switch (flags >> 1) & 3 {
        case 0:
            frames = [(payload, block.end - payload)]
        default:
            guard let laced = lace(flags: flags, from: payload, to: block.end) else {
                warnings.append("a laced block of track \(number) does not parse; it is left out")
                return
            }
            frames = laced
        }
        // Laced frames (audio) follow each other by the track's frame duration, when known.
        for (index, frame) in frames.enumerated() where frame.size > 0 {
            let step =
                tracks[track].codec == "AAC" && tracks[track].rate > 0 ? 1_024_000 / UInt64(tracks[track].rate) : 20
            samples.append(
                DemuxedSample(
                    track: track, time: milliseconds &+ UInt64(index) &* step, offset: 0,
                    keyframe: isKey || tracks[track].type != "video", position: frame.position, size: frame.size))
        }
    }

    /// The frames of a laced block (Xiph, fixed or EBML lacing).
    private func lace(flags: UInt8, from start: Int, to end: Int) -> [(position: Int, size: Int)]? {
        guard start < end else { return nil }
        let count = Int(bytes[start]) + 1
        guard count <= Self.maximumLacedFrames else { return nil }
        var position = start + 1
        var sizes: [Int] = []
        switch (flags >> 1) & 3 {
        case 1:
            for _ in 0..<(count - 1) {
                var size = 0
                while true {
                    guard position < end else { return nil }
                    let byte = Int(bytes[position])
                    position += 1
                    size += byte
                    if byte != 255 { break }
                }
                sizes.append(size)
            }
        case 3:
            guard let (first, length, _) = try? vint(at: position, end: end), first < UInt64(end) else { return nil }
            position += length
            sizes.append(Int(first))
            for _ in 1..<max(1, count - 1) where count > 2 {
                guard let (raw, length, _) = try? vint(at: position, end: end) else { return nil }
                position += length
                // A signed difference from the previous size.
                let bias = (Int64(1) << (7 * Int64(length) - 1)) - 1
                let size = Int64(sizes[sizes.count - 1]) + Int64(clamping: raw) - bias
                guard size >= 0, size < Int64(end) else { return nil }
                sizes.append(Int(size))
            }
        default:
            let total = end - position
            guard total % count == 0 else { return nil }
            return (0..<count).map { (position + $0 * total / count, total / count) }
        }
        let used = sizes.reduce(0, +)
        guard used <= end - position else { return nil }
        sizes.append(end - position - used)
        var frames: [(Int, Int)] = []
        for size in sizes {
            frames.append((position, size))
            position += size
        }
        return frames
    }

    /// Video decode times: within each keyframe interval, the presentation times in order.
    private mutating func decodeTimes() {
        for track in tracks.indices where tracks[track].type == "video" {
            let positions = samples.indices.filter { samples[$0].track == track }
            var start = 0
            while start < positions.count {
                var end = start + 1
                while end < positions.count && !samples[positions[end]].keyframe { end += 1 }
                let group = positions[start..<end]
                let sorted = group.map { samples[$0].time }.sorted()
                for (index, sample) in zip(sorted.indices, group) {
                    let presentation = samples[sample].time
                    samples[sample].time = sorted[index]
                    samples[sample].offset = Int64(clamping: presentation) - Int64(clamping: sorted[index])
                }
                start = end
            }
        }
        samples.sort { ($0.time, $0.track) < ($1.time, $1.track) }
    }
}
