// libFuzzer target: HTTP request heads from clients parse or fail with a typed error, never trap,
// and a parsed head's accessors work.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    while let parsed = try? HTTPRequestHead.parse(bytes) {
        _ = parsed.head.path
        _ = parsed.head.query
        _ = parsed.head.keepAlive
        _ = parsed.head.header("host")
        guard parsed.length > 0, parsed.length <= bytes.count else { fatalError("bad head length \(parsed.length)") }
        bytes.removeFirst(parsed.length)
    }
    return 0
}
