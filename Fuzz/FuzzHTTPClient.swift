// libFuzzer target: responses of HTTP origins, trigger handlers, custom-variable URLs and
// Livepeer broadcasters read or fail with a typed error, never trap (a chunk size near Int.max
// used to), arriving in pieces whose size the first byte picks; no body exceeds the limit, and a
// multipart answer splits into parts inside its body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPClient(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let piece = bytes.isEmpty ? 1 : Int(bytes[0]) % 64 + 1
    var offset = 0
    let limit = 4096
    guard
        let response = try? HTTPResponseReader.read(
            url: "http://fuzz/", maximumBody: limit,
            receive: { buffer in
                guard offset < bytes.count else { return false }
                let end = min(bytes.count, offset + piece)
                buffer += bytes[offset..<end]
                offset = end
                return true
            })
    else { return 0 }
    if response.body.count > limit { fatalError("a body of \(response.body.count) bytes") }
    if let type = response.headers["content-type"], let boundary = try? MultipartReader.boundary(contentType: type),
        let parts = try? MultipartReader.parts(response.body, boundary: boundary, maximumParts: 16)
    {
        for part in parts where part.body.startIndex < 0 || part.body.endIndex > response.body.count {
            fatalError("a part outside its body")
        }
        if parts.count > 16 { fatalError("\(parts.count) parts") }
    }
    return 0
}
