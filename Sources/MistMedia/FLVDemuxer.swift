/// FLV files read into one video and one audio track (the first codec of each seen) and their
/// frames in file order: legacy codec ids and Enhanced RTMP FourCCs, decoder configurations
/// from the sequence headers, composition offsets. A file cut short keeps its whole tags.
public struct FLVDemuxer {
    public private(set) var tracks: [DemuxedTrack] = []
    public private(set) var samples: [DemuxedSample] = []
    public private(set) var warnings: [String] = []

    public init(bytes: [UInt8]) throws(MediaError) {
        try self.init(size: bytes.count) { position, count in
            guard position >= 0, count >= 0, position <= bytes.count - count else { return nil }
            return Array(bytes[position..<(position + count)])
        }
    }

    /// The first bytes of a tag that say what it holds; frames are not read further.
    static let tagPrefix = 32

    /// A file of `fileSize` bytes read through `read` (position and count; nil past the end):
    /// the tag headers and the first bytes of each tag, whole tags only for the decoder
    /// configurations, so a file can be indexed without being held.
    public init(size fileSize: Int, read: (_ position: Int, _ count: Int) -> [UInt8]?) throws(MediaError) {
        guard let header = read(0, 9), header[0] == 0x46, header[1] == 0x4C, header[2] == 0x56 else {
            throw .invalid("FLV signature")
        }
        let headerSize = Int(header[5...].bigEndianUInt(at: 5, width: 4))
        guard headerSize >= 9 else { throw .invalid("FLV header size \(headerSize)") }
        var position = headerSize + 4
        var video: Int?
        var audio: Int?
        var ignored: Set<String> = []
        while position < fileSize {
            guard fileSize - position >= 11, let tag = read(position, 11) else {
                warnings.append("the file ends inside a tag header at byte \(position)")
                break
            }
            let type = tag[0] & 0x1F
            let size = Int(tag[...].bigEndianUInt(at: 1, width: 3))
            let time = UInt64(tag[...].bigEndianUInt(at: 4, width: 3)) | UInt64(tag[7]) << 24
            let start = position + 11
            guard fileSize - start >= size else {
                warnings.append("the file ends inside a tag at byte \(position)")
                break
            }
            position = start + size + 4
            guard type == 8 || type == 9, size > 0, let prefix = read(start, min(size, Self.tagPrefix)) else {
                continue
            }
            var payload = type == 9 ? try FLVMedia.parseVideo(prefix) : try FLVMedia.parseAudio(prefix)
            if case .configuration = payload, size > prefix.count, let body = read(start, size) {
                payload = type == 9 ? try FLVMedia.parseVideo(body) : try FLVMedia.parseAudio(body)
            }
            switch payload {
            case .configuration(let codec, let data):
                let isVideo = type == 9
                let index =
                    isVideo ? track(&video, isVideo: true, codec: codec) : track(&audio, isVideo: false, codec: codec)
                if tracks[index].codec == codec && tracks[index].initData.isEmpty {
                    tracks[index].initData = Array(data)
                    tracks[index].readConfiguration()
                }
            case .videoFrame(let codec, let keyframe, let offset, let data):
                let index = track(&video, isVideo: true, codec: codec)
                guard tracks[index].codec == codec else { continue }
                var sample = DemuxedSample(
                    track: index, time: time, offset: Int64(offset), keyframe: keyframe,
                    position: start + data.startIndex, size: size - data.startIndex)
                sample.seekPosition = start - 11
                samples.append(sample)
            case .audioFrame(let codec, let rate, let channels, let sampleSize, let data):
                let index = track(&audio, isVideo: false, codec: codec)
                guard tracks[index].codec == codec else { continue }
                if tracks[index].rate == 0 {
                    tracks[index].rate = rate
                    tracks[index].channels = channels
                    tracks[index].sampleSize = sampleSize
                }
                var sample = DemuxedSample(
                    track: index, time: time, offset: 0, keyframe: true, position: start + data.startIndex,
                    size: size - data.startIndex)
                sample.seekPosition = start - 11
                samples.append(sample)
            case .ignored(let reason):
                // The end-of-sequence tag every encoder writes last is no news.
                if reason != "end of sequence" { ignored.insert(reason) }
            }
        }
        if !ignored.isEmpty { warnings.append("ignored: \(ignored.sorted().joined(separator: ", "))") }
        samples.sort { $0.time != $1.time ? $0.time < $1.time : $0.position < $1.position }
        for index in tracks.indices where tracks[index].type == "video" && tracks[index].fpks == 0 {
            let times = samples.filter { $0.track == index }.map(\.time)
            if let first = times.first, let last = times.last, last > first {
                tracks[index].fpks = UInt32(clamping: UInt64(times.count - 1) * 1_000_000 / (last - first))
            }
        }
    }

    /// The index of the video or audio track, made on first sight with `codec`.
    private mutating func track(_ slot: inout Int?, isVideo: Bool, codec: String) -> Int {
        if let slot { return slot }
        tracks.append(
            DemuxedTrack(type: isVideo ? "video" : "audio", codec: codec, initData: [], id: UInt32(tracks.count + 1)))
        slot = tracks.count - 1
        return tracks.count - 1
    }
}
