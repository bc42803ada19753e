/// Walks the frames of a DTSC byte stream (a `.dtsc` file, a received buffer) in place.
///
/// `next()` returns nil at a clean end. When the remaining bytes are only the start of a frame,
/// `next()` returns nil and `remainder` tells how many bytes to keep for the next read; bytes that
/// cannot start a frame throw.
public struct DTSCFrameIterator: @unchecked Sendable {
    public let buffer: UnsafeRawBufferPointer
    /// Offset of the next frame.
    public private(set) var position = 0
    /// Frames longer than this are rejected before any allocation happens on their behalf.
    public let maximumFrameLength: Int

    public init(_ buffer: UnsafeRawBufferPointer, maximumFrameLength: Int = 64 << 20) {
        self.buffer = buffer
        self.maximumFrameLength = maximumFrameLength
    }

    /// Bytes left after the last complete frame.
    public var remainder: Int { buffer.count - position }

    public mutating func next() throws(DTMIError) -> DTSCPacket? {
        let rest = UnsafeRawBufferPointer(rebasing: buffer[position...])
        if rest.count < 8 {
            if rest.count >= 4 && DTSCFrameKind(magicOf: rest) == nil {
                throw DTMIError(.badMagic, at: position)
            }
            return nil
        }
        guard DTSCFrameKind(magicOf: rest) != nil else { throw DTMIError(.badMagic, at: position) }
        guard let length = BigEndian.uint32(rest, at: 4) else { return nil }
        guard Int(length) + 8 <= maximumFrameLength else { throw DTMIError(.badLength, at: position + 4) }
        guard Int(length) + 8 <= rest.count else { return nil }
        let packet: DTSCPacket
        do {
            packet = try DTSCPacket(rest)
        } catch {
            throw DTMIError(error.reason, at: position + error.offset)
        }
        position += packet.frameLength
        return packet
    }
}
