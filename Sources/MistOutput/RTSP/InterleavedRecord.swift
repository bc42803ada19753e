import NIOCore

/// RTSP's interleaved framing (RFC 2326 10.12: `$`, channel, 16-bit length, packet), read back:
/// the RTSP and WebRTC fan-out groups write their RTP and RTCP as these records, and each UDP
/// player or WebRTC viewer takes the packets out of the shared bytes as slices, without copies.
enum InterleavedRecord {
    /// The whole record at `buffer`'s reader index, which moves past it; nil (the index stays)
    /// when the bytes there are not `$` or not a whole record yet.
    static func read(_ buffer: inout ByteBuffer) -> (channel: UInt8, packet: ByteBuffer)? {
        guard buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == 0x24,
            let channel = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self),
            let length = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self).map(Int.init),
            buffer.readableBytes >= 4 + length
        else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let packet = buffer.readSlice(length: length) else { return nil }
        return (channel, packet)
    }
}
