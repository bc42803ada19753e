/// Matroska or WebM as a whole file of known layout, for files served with Range requests (as
/// MistServer's EBML output serves a VOD stream): the EBML header, a segment of known size with a
/// SeekHead, its Info, its Tracks, Cues (one point per cluster, on the timing track) and then
/// clusters of known size, cut where the live muxer cuts them. The layout is planned from the
/// frames' sizes and times before any frame is read, so the length is known up front and every
/// frame's place in the file is fixed: a sender walks the frames again and takes `prefix(of:)`
/// (a cluster's head when one starts, then the block's head) before each frame's bytes.
public struct MatroskaFile {
    /// One frame as the plan sees it.
    public typealias Frame = PlannedFrame

    /// Everything before the first cluster.
    public let header: [UInt8]
    /// The whole file's length in bytes.
    public let length: Int
    /// Per frame: its cluster's start (when the frame opens one) and its block's head.
    private let prefixes: [[UInt8]]

    /// The bytes that go before frame `index`'s data.
    public func prefix(of index: Int) -> [UInt8] { prefixes.indices.contains(index) ? prefixes[index] : [] }

    public init(tracks: [MatroskaMuxer.Track], webm: Bool, duration: UInt64?, frames: [Frame]) throws(MediaError) {
        var muxer = try MatroskaMuxer(tracks: tracks, webm: webm, duration: duration)
        // Clusters: their times, the frames they hold, and each frame's block head.
        var clusters: [(time: UInt64, first: Int, size: Int)] = []
        var heads: [[UInt8]] = []
        heads.reserveCapacity(frames.count)
        for (index, frame) in frames.enumerated() {
            guard muxer.tracks.indices.contains(frame.track), frame.size >= 0 else {
                throw MediaError.invalid("frame \(index) names no track of the file")
            }
            let presentation = MatroskaMuxer.presentation(time: frame.time, offset: frame.offset)
            if muxer.startsCluster(position: frame.track, presentation: presentation, keyframe: frame.keyframe) {
                muxer.startCluster(at: presentation)
                clusters.append((presentation, index, EBMLWriter.unsigned(0xE7, presentation).count))
            }
            let head = MatroskaMuxer.blockHead(
                position: frame.track, relative: presentation &- (muxer.openCluster ?? presentation),
                keyframe: frame.keyframe, size: frame.size)
            heads.append(head)
            clusters[clusters.count - 1].size += head.count + frame.size
        }
        // A cluster element: its ID, an eight-byte size, then its payload.
        let clusterHead = 4 + 8
        let timing = UInt64(muxer.timingPosition + 1)
        // Cue points with eight-byte positions, so their size does not depend on the positions.
        func cuePoint(time: UInt64, position: UInt64) -> [UInt8] {
            let place =
                EBMLWriter.unsigned(0xF7, timing)
                + EBMLWriter.unsignedEightBytes(0xF1, position)
            return EBMLWriter.element(0xBB, EBMLWriter.unsigned(0xB3, time) + EBMLWriter.element(0xB7, place))
        }
        let cuesPayload = clusters.reduce(0) { $0 + cuePoint(time: $1.time, position: 0).count }
        let cuesSize = EBMLWriter.id(0x1C53BB6B).count + EBMLWriter.size(UInt64(cuesPayload)).count + cuesPayload
        // The SeekHead names Info, Tracks and Cues with eight-byte positions (fixed size too).
        func seek(_ id: UInt32, _ position: UInt64) -> [UInt8] {
            EBMLWriter.element(
                0x4DBB,
                EBMLWriter.element(0x53AB, EBMLWriter.id(id))
                    + EBMLWriter.unsignedEightBytes(0x53AC, position))
        }
        let seekSize = EBMLWriter.element(0x114D9B74, seek(0x1549A966, 0) + seek(0x1654AE6B, 0) + seek(0x1C53BB6B, 0))
            .count
        let info = muxer.info + muxer.trackEntries
        let infoSize = muxer.info.count
        let firstCluster = seekSize + info.count + cuesSize
        var position = UInt64(firstCluster)
        var cues: [UInt8] = []
        for cluster in clusters {
            cues += cuePoint(time: cluster.time, position: position)
            position += UInt64(clusterHead + cluster.size)
        }
        let seekHead = EBMLWriter.element(
            0x114D9B74,
            seek(0x1549A966, UInt64(seekSize)) + seek(0x1654AE6B, UInt64(seekSize + infoSize))
                + seek(0x1C53BB6B, UInt64(seekSize + info.count)))
        let segmentPayload = position
        header =
            muxer.ebmlHeader + EBMLWriter.id(0x18538067)
            + EBMLWriter.eightByteSize(segmentPayload) + seekHead
            + info + EBMLWriter.element(0x1C53BB6B, cues)
        length = header.count + Int(segmentPayload) - firstCluster
        var prefixes = heads
        for cluster in clusters {
            let size = UInt64(cluster.size)
            prefixes[cluster.first] =
                EBMLWriter.id(0x1F43B675)
                + EBMLWriter.eightByteSize(size)
                + EBMLWriter.unsigned(0xE7, cluster.time) + prefixes[cluster.first]
        }
        self.prefixes = prefixes
    }
}
