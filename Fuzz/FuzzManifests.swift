// libFuzzer target: the writers of what viewers fetch (DASH manifests, fMP4 HLS playlists,
// Matroska clusters and blocks, whole Matroska files) take any times a pushed stream can carry (DTSC pushes bring
// 64-bit times, offsets and keys out of order) without trapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifests(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var position = 0
    func next() -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<8 {
            value = value << 8 | UInt64(position < bytes.count ? bytes[position] : 0)
            position += 1
        }
        return value
    }
    var segments: [HLSPlaylist.Segment] = []
    while position + 24 <= bytes.count && segments.count < 64 {
        segments.append(.init(sequence: next(), start: next(), duration: next()))
    }
    position = 0
    let tracks = [
        DASHManifest.Representation(
            index: 1, type: "video", codecs: "avc1.64001F", bandwidth: next(),
            width: UInt32(truncatingIfNeeded: next()),
            height: 360, fpks: UInt32(truncatingIfNeeded: next())),
        DASHManifest.Representation(
            index: 2, type: "audio", codecs: "mp4a.40.2", bandwidth: next(), rate: 48000, channels: 2, language: "e\"<"),
    ]
    _ = DASHManifest.manifest(tracks, segments: segments, live: nil, duration: next())
    _ = DASHManifest.manifest(
        tracks, segments: segments, live: .init(availabilityStart: next(), now: next(), minimumUpdate: next()),
        duration: 0)
    _ = HLSPlaylist.media(segments, ended: false, map: "init.m4s") { "chunk_\($0.start).m4s" }
    guard
        var muxer = try? MatroskaMuxer(tracks: [
            .init(codec: "H264", type: "video", initData: [1, 2, 3], width: 640, height: 360),
            .init(codec: "AAC", type: "audio", initData: [0x11, 0x90], rate: 48000, channels: 2),
        ])
    else { fatalError("the muxer refused H.264 and AAC") }
    var out: [UInt8] = []
    var frames: [MatroskaFile.Frame] = []
    position = 0
    while position + 17 <= bytes.count {
        let time = next()
        let offset = Int64(bitPattern: next())
        let flags = bytes[position]
        position += 1
        _ = [UInt8](repeating: 0, count: Int(flags & 15)).withUnsafeBytes {
            muxer.add(
                position: Int(flags >> 7), time: time, offset: offset, keyframe: flags & 0x40 != 0, data: $0, into: &out
            )
        }
        frames.append(
            .init(
                track: Int(flags >> 7), time: time, offset: offset, size: Int(flags & 15), keyframe: flags & 0x40 != 0))
    }
    // The same frames planned as a whole file: its length must be what its pieces add up to.
    if let file = try? MatroskaFile(tracks: muxer.tracks, webm: false, duration: next(), frames: frames) {
        var total = file.header.count
        for (index, frame) in frames.enumerated() { total += file.prefix(of: index).count + frame.size }
        if total != file.length { fatalError("a Matroska file's length is not its bytes' count") }
    }
    return 0
}
