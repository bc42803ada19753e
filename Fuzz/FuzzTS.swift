// libFuzzer target: MPEG-TS from outside demuxes or fails with a typed error, never traps, fed
// whole or in pieces, and every frame belongs to a track.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let file = try? TSDemuxer(bytes: bytes) {
        for sample in file.samples where sample.track < 0 || sample.track >= file.tracks.count {
            fatalError("frame of no track: \(sample)")
        }
    }
    var live = TSDemuxer()
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + 1 + Int(bytes[start]) * 3)
        try? live.feed(bytes[start..<end])
        _ = live.drain()
        start = end
    }
    live.finish()
    return 0
}
