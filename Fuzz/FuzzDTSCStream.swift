// libFuzzer target: what a dtsc:// peer sends (commands, headers, packets, in chunks of any
// size) is framed and decoded without trapping, as MistOutDTSC and MistInDTSC do it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDTSCStream(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var buffer = DTSCStreamBuffer(maximumFrameLength: 1 << 20)
    var offset = 0
    var chunk = 1
    while offset < size {
        let count = min(chunk, size - offset)
        buffer.bytes.append(contentsOf: UnsafeBufferPointer(start: data + offset, count: count))
        offset += count
        chunk = chunk * 3 % 97 + 1
        while true {
            let next: [UInt8]?
            do {
                next = try buffer.nextFrame()
            } catch {
                return 0  // the peer would be disconnected
            }
            guard let frame = next else { break }  // wait for more bytes
            guard frame.withUnsafeBytes({ inspect($0) }) else { return 0 }
        }
    }
    return 0
}

/// Decodes one frame the way the DTSC peers do; false when they would disconnect.
private func inspect(_ raw: UnsafeRawBufferPointer) -> Bool {
    guard let packet = try? DTSCPacket(raw) else { return false }
    switch packet.kind {
    case .command: return (try? packet.json()["cmd"].asString) != nil
    case .header:
        guard let header = try? DTSHHeader(packet) else { return false }
        return (try? header.encode(includeTables: false)) != nil
    case .packetV1, .packetV2:
        withExtendedLifetime((packet.time, packet.trackID, packet.data?.count, packet.isKeyframe)) {}
        return true
    }
}
