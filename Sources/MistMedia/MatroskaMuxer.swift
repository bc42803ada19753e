/// Matroska and WebM as a stream (MistServer's EBML output): an EBML header, a segment of unknown
/// size with its info and tracks, then clusters of unknown size, each starting at a video
/// keyframe (every five seconds for audio only, or when a block's time would not fit the
/// cluster's 16-bit offset), holding one `SimpleBlock` per frame, timed by presentation time on
/// a millisecond scale.
public struct MatroskaMuxer {
    public struct Track: Sendable {
        public var codec: String
        public var type: String
        public var initData: [UInt8]
        public var width: UInt32
        public var height: UInt32
        public var rate: UInt32
        public var channels: UInt32
        public var language: String

        public init(
            codec: String, type: String, initData: [UInt8], width: UInt32 = 0, height: UInt32 = 0, rate: UInt32 = 0,
            channels: UInt32 = 0, language: String = ""
        ) {
            self.codec = codec
            self.type = type
            self.initData = initData
            self.width = width
            self.height = height
            self.rate = rate
            self.channels = channels
            self.language = language
        }
    }

    /// Matroska's codec IDs for the codecs this muxer writes.
    public static let codecIDs: [String: String] = [
        "H264": "V_MPEG4/ISO/AVC", "HEVC": "V_MPEGH/ISO/HEVC", "VP8": "V_VP8", "VP9": "V_VP9", "AV1": "V_AV1",
        "AAC": "A_AAC", "MP3": "A_MPEG/L3", "opus": "A_OPUS", "vorbis": "A_VORBIS", "AC3": "A_AC3",
    ]
    /// What WebM allows (MistServer's rule): VP8, VP9, AV1, Opus and Vorbis.
    public static let webmCodecs: Set<String> = ["VP8", "VP9", "AV1", "opus", "vorbis"]

    public let tracks: [Track]
    /// The EBML header, a segment of unknown size, its info and its tracks.
    public let header: [UInt8]
    /// The EBML header element alone.
    public let ebmlHeader: [UInt8]
    /// The segment's Info element and its Tracks element, which a file's segment holds too.
    public let info: [UInt8]
    public let trackEntries: [UInt8]
    private var clusterStart: UInt64?
    private let timingTrack: Int

    /// `duration` (milliseconds) goes in the segment info for files; live streams have none.
    public init(tracks: [Track], webm: Bool = false, duration: UInt64? = nil) throws(MediaError) {
        self.tracks = tracks
        timingTrack = tracks.firstIndex { $0.type == "video" } ?? 0
        var entries: [UInt8] = []
        for (position, track) in tracks.enumerated() {
            guard let codecID = Self.codecIDs[track.codec], !webm || Self.webmCodecs.contains(track.codec) else {
                throw MediaError.invalid("\(track.codec) is not carried in \(webm ? "WebM" : "Matroska")")
            }
            var entry = EBMLWriter.unsigned(0xD7, UInt64(position + 1))
            entry += EBMLWriter.unsigned(0x73C5, UInt64(position + 1))
            entry += EBMLWriter.unsigned(0x83, track.type == "video" ? 1 : 2)
            entry += EBMLWriter.unsigned(0x9C, 0)
            entry += EBMLWriter.string(0x86, codecID)
            if !track.language.isEmpty { entry += EBMLWriter.string(0x22B59C, track.language) }
            if !track.initData.isEmpty && track.codec != "MP3" { entry += EBMLWriter.element(0x63A2, track.initData) }
            if track.codec == "opus" {
                // Opus's pre-roll (80 ms) as Matroska asks decoders to discard it after a seek.
                entry += EBMLWriter.unsigned(0x56BB, 80_000_000)
            }
            if track.type == "video" {
                entry += EBMLWriter.element(
                    0xE0,
                    EBMLWriter.unsigned(0xB0, UInt64(track.width)) + EBMLWriter.unsigned(0xBA, UInt64(track.height)))
            } else {
                entry += EBMLWriter.element(
                    0xE1,
                    EBMLWriter.float(0xB5, Double(track.rate))
                        + EBMLWriter.unsigned(0x9F, UInt64(max(1, track.channels))))
            }
            entries += EBMLWriter.element(0xAE, entry)
        }
        var ebml = EBMLWriter.unsigned(0x4286, 1) + EBMLWriter.unsigned(0x42F7, 1)
        ebml += EBMLWriter.unsigned(0x42F2, 4) + EBMLWriter.unsigned(0x42F3, 8)
        ebml += EBMLWriter.string(0x4282, webm ? "webm" : "matroska")
        ebml += EBMLWriter.unsigned(0x4287, 4) + EBMLWriter.unsigned(0x4285, 2)
        var info = EBMLWriter.unsigned(0x2AD7B1, 1_000_000)
        info += EBMLWriter.string(0x4D80, "MistSwift") + EBMLWriter.string(0x5741, "MistSwift")
        if let duration { info += EBMLWriter.float(0x4489, Double(duration)) }
        ebmlHeader = EBMLWriter.element(0x1A45DFA3, ebml)
        self.info = EBMLWriter.element(0x1549A966, info)
        trackEntries = EBMLWriter.element(0x1654AE6B, entries)
        header = ebmlHeader + EBMLWriter.id(0x18538067) + EBMLWriter.unknownSize + self.info + trackEntries
    }

    /// Appends frame `data` of track `position` (decode time `time`, presentation offset
    /// `offset`, milliseconds) to `out`; true when it starts a cluster a viewer can join at.
    public mutating func add(
        position: Int, time: UInt64, offset: Int64, keyframe: Bool, data: UnsafeRawBufferPointer,
        into out: inout [UInt8]
    ) -> Bool {
        guard tracks.indices.contains(position) else { return false }
        let presentation = Self.presentation(time: time, offset: offset)
        var joinable = false
        if startsCluster(position: position, presentation: presentation, keyframe: keyframe) {
            joinable = position == timingTrack && (keyframe || tracks[timingTrack].type != "video")
            clusterStart = presentation
            out += EBMLWriter.id(0x1F43B675) + EBMLWriter.unknownSize + EBMLWriter.unsigned(0xE7, presentation)
        }
        out += Self.blockHead(
            position: position, relative: presentation &- (clusterStart ?? presentation), keyframe: keyframe,
            size: data.count)
        out.append(contentsOf: data)
        return joinable
    }

    /// A frame's presentation time: its decode time plus its offset (never below zero).
    public static func presentation(time: UInt64, offset: Int64) -> UInt64 {
        offset >= 0 ? time &+ UInt64(offset) : time &- min(time, offset.magnitude)
    }

    /// Whether a frame of `position` at `presentation` starts a new cluster: at each keyframe of
    /// the timing track (video; every five seconds of audio only), and whenever the frame's
    /// offset from the cluster's time would not fit in 16 bits.
    func startsCluster(position: Int, presentation: UInt64, keyframe: Bool) -> Bool {
        let relative = clusterStart.map { Int64(bitPattern: presentation &- $0) }
        let outOfRange = relative.map { $0 < -32768 || $0 > 32767 } ?? true
        let timingIsVideo = tracks[timingTrack].type == "video"
        return outOfRange || (position == timingTrack && (timingIsVideo ? keyframe : (relative ?? 0) >= 5000))
    }

    /// Marks a cluster as started at `presentation` (for a writer that lays clusters out itself).
    mutating func startCluster(at presentation: UInt64) { clusterStart = presentation }

    /// The time of the cluster now open.
    var openCluster: UInt64? { clusterStart }

    /// The track whose keyframes start clusters.
    var timingPosition: Int { timingTrack }

    /// A `SimpleBlock`'s bytes before its frame of `size` bytes: track `position + 1`, time
    /// `relative` to its cluster (wrapping differences, clamped to 16 bits), keyframe flag.
    public static func blockHead(position: Int, relative: UInt64, keyframe: Bool, size: Int) -> [UInt8] {
        let blockTime = Int16(clamping: Int64(bitPattern: relative))
        let head: [UInt8] = [
            0x80 | UInt8(truncatingIfNeeded: position + 1),
            UInt8(truncatingIfNeeded: UInt16(bitPattern: blockTime) >> 8),
            UInt8(truncatingIfNeeded: UInt16(bitPattern: blockTime)), keyframe ? 0x80 : 0x00,
        ]
        return EBMLWriter.id(0xA3) + EBMLWriter.size(UInt64(head.count + size)) + head
    }
}
