// libFuzzer target: H.264 SPS NAL units and AVC/HEVC decoder configurations (from publishers,
// TS senders and files) parse or fail with a typed error, never trap (an out-of-range scaling
// list delta used to overflow), and any picture size they give is within the level limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSPS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let sps = try? H264SPS(nalUnit: bytes[...]), sps.width > 16384 || sps.height > 32768 {
        fatalError("picture size out of range: \(sps.width)x\(sps.height)")
    }
    _ = try? AVCDecoderConfiguration(bytes: bytes).sps()
    _ = try? HEVCDecoderConfiguration(bytes: bytes).pictureSize()
    return 0
}
