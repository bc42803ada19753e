// libFuzzer target: datagrams as RTP packets and their H.264 payloads. The first byte cuts the
// input into datagrams; each is read as a packet (or fails with a typed error) and fed to one
// depacketizer, which never traps, never yields a NAL unit over its limit, and whose packets
// written back read the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let piece = bytes.isEmpty ? 1 : Int(bytes[0]) + 12
    var depacketizer = H264RTPDepacketizer()
    var offset = bytes.isEmpty ? 0 : 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + piece)
        defer { offset = end }
        guard let packet = try? RTPPacket(parsing: bytes[offset..<end]) else { continue }
        guard let again = try? RTPPacket(parsing: packet.bytes[...]), again.payload == packet.payload,
            again.sequenceNumber == packet.sequenceNumber, again.csrcs == packet.csrcs
        else { fatalError("a packet written back reads differently") }
        let pictures = (try? depacketizer.push(packet)) ?? []
        for picture in pictures where picture.nals.contains(where: { $0.count > H264RTPDepacketizer.maximumNALBytes }) {
            fatalError("a NAL unit over the limit")
        }
        // Whatever came in packetizes again within the payload limit.
        for picture in pictures {
            let payloads = H264RTPPacketizer(maximumPayload: 200).payloads(picture.nals.map { $0[...] })
            if payloads.contains(where: { $0.count > 200 }) { fatalError("a payload over the limit") }
        }
    }
    _ = depacketizer.flush()
    return 0
}
