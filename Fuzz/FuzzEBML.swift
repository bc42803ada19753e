// libFuzzer target: any bytes as a Matroska/WebM file demux or throw a typed error, never trap
// or hang, and every frame they yield lies inside the file. The same bytes arriving in pieces
// (a program's output read by MatroskaIngest) give DTSC frames or a typed error too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEBML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var ingest = MatroskaIngest()
    var position = 0
    // Pieces of varying sizes, as a pipe hands them over.
    while position < bytes.count {
        let piece = 1 + (position * 7 + Int(bytes[position])) % 997
        let end = min(bytes.count, position + piece)
        guard (try? ingest.feed(bytes[position..<end])) != nil else { break }
        position = end
    }
    guard let file = try? MatroskaDemuxer(bytes: bytes) else { return 0 }
    for sample in file.samples
    where sample.position < 0 || sample.size < 0 || sample.position + sample.size > bytes.count {
        fatalError("a frame outside the file: \(sample.position)+\(sample.size) of \(bytes.count)")
    }
    return 0
}
