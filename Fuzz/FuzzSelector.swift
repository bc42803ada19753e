// libFuzzer target: any track selector a viewer puts in a URL selects without trapping, only
// tracks of the asked type, each once.
let fuzzTracks: [StreamTrack] = [
    ("video", "H264", UInt32(1920), UInt32(1080), UInt32(0)), ("video", "HEVC", 640, 360, 0), ("audio", "AAC", 0, 0, 2),
    ("audio", "MP3", 0, 0, 6),
].enumerated().map { index, spec in
    var info = TrackInfo(type: spec.0, codec: spec.1, id: UInt32(index + 1), language: index == 2 ? "eng" : "")
    info.width = spec.2
    info.height = spec.3
    info.channels = spec.4
    return StreamTrack(index: index, info: info, firstMs: 0, lastMs: 0, bps: UInt64(index) << 62, maxBps: 0)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSelector(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for type in ["video", "audio", "aac"] {
        let picked = TrackSelector.select(text, type: type, from: fuzzTracks)
        if Set(picked.map(\.index)).count != picked.count { fatalError("a track selected twice") }
        if picked.contains(where: { $0.info.type != type && $0.info.codec.lowercased() != type }) {
            fatalError("a track of another type selected")
        }
    }
    return 0
}
