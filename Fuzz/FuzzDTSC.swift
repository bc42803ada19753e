// libFuzzer target: walking a DTSC byte stream and reading every packet field never traps, and
// headers decode as DTSH without trapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDTSC(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var frames = DTSCFrameIterator(bytes, maximumFrameLength: 1 << 20)
    while let packet = try? frames.next() {
        var sum = packet.time &+ UInt64(packet.trackID) &+ UInt64(bitPattern: packet.offset)
        sum &+= packet.bytePosition &+ UInt64(packet.data?.count ?? 0) &+ (packet.isKeyframe ? 1 : 0)
        _ = try? packet.json()
        if packet.kind == .header, let header = try? DTSHHeader(packet) {
            _ = try? header.encode()
        }
        withExtendedLifetime(sum) {}
    }
    return 0
}
