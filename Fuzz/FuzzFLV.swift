// libFuzzer target: FLV files from outside demux or fail with a typed error, never trap, and
// every frame they yield points inside the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFLV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? FLVDemuxer(bytes: bytes) else { return 0 }
    for sample in file.samples {
        guard sample.track >= 0, sample.track < file.tracks.count, sample.position >= 0,
            sample.position + sample.size <= bytes.count
        else { fatalError("frame outside the file: \(sample)") }
    }
    return 0
}
