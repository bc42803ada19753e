// libFuzzer target: MP4/MOV files from outside demux or fail with a typed error, never trap,
// and every sample they yield points inside the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMP4(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? MP4Demuxer(bytes: bytes) else { return 0 }
    for sample in file.samples {
        guard sample.track >= 0, sample.track < file.tracks.count, sample.position >= 0,
            sample.position + sample.size <= bytes.count
        else { fatalError("sample outside the file: \(sample)") }
    }
    return 0
}
