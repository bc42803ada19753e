// libFuzzer target: any bytes as a Matroska/WebM file demux or throw a typed error, never trap
// or hang, and every frame they yield lies inside the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEBML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? MatroskaDemuxer(bytes: bytes) else { return 0 }
    for sample in file.samples
    where sample.position < 0 || sample.size < 0 || sample.position + sample.size > bytes.count {
        fatalError("a frame outside the file: \(sample.position)+\(sample.size) of \(bytes.count)")
    }
    return 0
}
