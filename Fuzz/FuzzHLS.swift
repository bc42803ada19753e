// libFuzzer target: playlists from an HLS origin parse or fail with a typed error, never trap
// (`#EXTINF:inf,` and huge target durations used to), and every segment has a URI.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHLS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let playlist = try? HLSPlaylistReader.parse(text) else { return 0 }
    if case .media(let segments, _, _) = playlist, segments.contains(where: { $0.uri.isEmpty }) {
        fatalError("a segment without a URI")
    }
    return 0
}
