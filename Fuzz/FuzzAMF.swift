// libFuzzer target: AMF0 (with AMF3 inside) from RTMP commands and FLV metadata decodes or fails
// with a typed error, never traps or recurses without bound, and what decodes encodes again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAMF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let values = try? AMF0.decodeAll(bytes) else { return 0 }
    _ = AMF0.encode(values)
    return 0
}
