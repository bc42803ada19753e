// libFuzzer target: DTMI decoding never traps, `endOffset` and `decode` agree on what is valid,
// and encoding is stable: what we encode decodes and encodes again to the same bytes.
// (Byte-identical round trips of MistServer-written data are checked by the unit tests; arbitrary
// input may repeat member names or use empty ones, which no encoder writes back.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDTMI(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let scan = DTMIScan(buffer: bytes)
    guard (try? scan.endOffset()) != nil else {
        if (try? scan.decode()) != nil { fatalError("decode accepted what endOffset rejects") }
        return 0
    }
    guard let value = try? scan.decode() else { fatalError("endOffset accepted what decode rejects") }
    if scan.isObject { _ = try? scan.member("data")?.stringBytes }
    guard let encoded = try? DTMIEncoder.encode(value) else { return 0 }
    let again = encoded.withUnsafeBytes { try? DTMIScan(buffer: $0).decode() }
    guard let again, let reencoded = try? DTMIEncoder.encode(again) else { fatalError("our encoding does not decode") }
    if reencoded != encoded { fatalError("DTMI encoding is not stable") }
    return 0
}
