import MistData

/// Turns Matroska arriving in pieces (a program's stdout) into the DTSC frames a buffer input
/// takes. The head (EBML header, Segment start, Info, Tracks) is kept; each cluster, once
/// whole (its size reached, or for a cluster of unknown size the next top-level element seen),
/// is read with the head by `MatroskaDemuxer`. The DTSC header goes out before the first frames
/// and again when a cluster brings a track the head did not have.
public struct MatroskaIngest {
    /// More than this many bytes waiting for an element to end is refused (a broken stream).
    public static let maximumPending = 64 << 20
    private static let cluster: UInt32 = 0x1F43_B675
    /// Level-1 elements that end a cluster of unknown size.
    private static let topLevel: Set<UInt32> = [
        0x1F43_B675, 0x1C53_BB6B, 0x1254_C367, 0x1043_A770, 0x1941_A469, 0x114D_9B74, 0x1549_A966, 0x1654_AE6B,
    ]

    private var pending: [UInt8] = []
    /// The EBML header, a Segment start of unknown size and the Segment's elements before the
    /// first cluster, once complete.
    private var head: [UInt8]?
    private var list = LiveTrackList()

    /// The newest frame time handed on.
    public private(set) var lastTime: UInt64 = 0

    public init() {}

    /// The DTSC bytes `bytes` of Matroska result in (possibly none yet).
    public mutating func feed(_ bytes: ArraySlice<UInt8>) throws(MediaError) -> [UInt8] {
        pending += bytes
        if head == nil { try readHead() }
        guard let head else {
            if pending.count > Self.maximumPending { throw .invalid("no Matroska head within 64 MiB") }
            return []
        }
        var out: [UInt8] = []
        while let end = try completeCluster() {
            let cluster = pending[0..<end]
            out += try frames(head + cluster)
            pending.removeFirst(end)
        }
        if pending.count > Self.maximumPending { throw .invalid("a Matroska cluster over 64 MiB") }
        return out
    }

    /// An element's ID (1 to 4 bytes, marker kept) and size at `position`: nil while incomplete.
    private func element(at position: Int) throws(MediaError) -> (id: UInt32, size: UInt64?, header: Int)? {
        guard position < pending.count else { return nil }
        let first = pending[position]
        guard first != 0 else { throw .invalid("an EBML ID starts with a zero byte") }
        let idLength = first.leadingZeroBitCount + 1
        guard idLength <= 4 else { throw .invalid("an EBML ID longer than four bytes") }
        guard position + idLength < pending.count else { return nil }
        let id = pending[position..<(position + idLength)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let sizeFirst = pending[position + idLength]
        guard sizeFirst != 0 else { throw .invalid("an EBML size longer than eight bytes") }
        let sizeLength = sizeFirst.leadingZeroBitCount + 1
        guard position + idLength + sizeLength <= pending.count else { return nil }
        var value = UInt64(sizeFirst & (0xFF >> sizeLength))
        var allOnes = value == UInt64(0xFF >> sizeLength)
        for byte in pending[(position + idLength + 1)..<(position + idLength + sizeLength)] {
            value = value << 8 | UInt64(byte)
            allOnes = allOnes && byte == 0xFF
        }
        return (id, allOnes ? nil : value, idLength + sizeLength)
    }

    /// Keeps the bytes before the first cluster as the head, once they are all here.
    private mutating func readHead() throws(MediaError) {
        guard pending.count >= 4 else { return }
        guard Array(pending[0..<4]) == [0x1A, 0x45, 0xDF, 0xA3] else { throw .invalid("not Matroska") }
        guard let ebml = try element(at: 0), let ebmlSize = ebml.size else { return }
        let segmentStart = ebml.header + Int(clamping: ebmlSize)
        guard let segment = try element(at: segmentStart), segment.id == 0x1853_8067 else {
            if pending.count > segmentStart + 12 { throw .invalid("no Segment after the EBML header") }
            return
        }
        var position = segmentStart + segment.header
        while let child = try element(at: position) {
            if child.id == Self.cluster {
                head =
                    Array(pending[0..<segmentStart]) + [0x18, 0x53, 0x80, 0x67]
                    + [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
                    + Array(pending[(segmentStart + segment.header)..<position])
                pending.removeFirst(position)
                return
            }
            guard let size = child.size else { throw .invalid("a Segment element of unknown size before the clusters") }
            position += child.header + Int(clamping: size)
            if position > Self.maximumPending { throw .invalid("a Matroska head over 64 MiB") }
        }
    }

    /// Where the cluster at the start of `pending` ends, once it is whole.
    private func completeCluster() throws(MediaError) -> Int? {
        guard let cluster = try element(at: 0) else { return nil }
        guard cluster.id == Self.cluster else {
            // Cues, tags and the like between clusters are skipped whole.
            guard let size = cluster.size else { throw .invalid("a top-level element of unknown size") }
            let end = cluster.header + Int(clamping: size)
            return end <= pending.count ? end : nil
        }
        if let size = cluster.size {
            let end = cluster.header + Int(clamping: size)
            return end <= pending.count ? end : nil
        }
        var position = cluster.header
        while let child = try element(at: position) {
            if Self.topLevel.contains(child.id) { return position }
            guard let size = child.size else { throw .invalid("a cluster element of unknown size") }
            position += child.header + Int(clamping: size)
        }
        return nil
    }

    /// The DTSC frames of one cluster read with the head.
    private mutating func frames(_ file: [UInt8]) throws(MediaError) -> [UInt8] {
        let demuxer = try MatroskaDemuxer(bytes: file)
        var out = list.update(demuxer.tracks)
        for sample in demuxer.samples where sample.track < list.tracks.count && sample.size > 0 {
            guard sample.position >= 0, sample.position + sample.size <= file.count else { continue }
            let frame = file[sample.position..<(sample.position + sample.size)].withUnsafeBytes { raw in
                try? DTSCFrameWriter.mediaPacket(
                    trackID: UInt32(sample.track + 1), time: sample.time, offset: sample.offset,
                    keyframe: sample.keyframe, data: raw)
            }
            if let frame { out += frame }
            lastTime = max(lastTime, sample.time)
        }
        return out
    }
}
