import MistData

/// A source packet moved in time, for a process that went on from another source and keeps its
/// output's times continuing: the first packet of the new source lands `gap` ms after the last
/// one of the old, and every later packet moves as much.
struct PacketShift {
    /// Milliseconds between the old source's last time and the new one's first.
    static let gap: Int64 = 40
    /// The time the last source reached, or nil for the first source (nothing moves).
    let continuing: UInt64?
    private var shift: Int64?

    init(continuing: UInt64?) {
        self.continuing = continuing
    }

    /// The packet's time once moved.
    mutating func time(of packet: DTSCPacket) -> UInt64 {
        let moved = shift ?? continuing.map { Int64(clamping: $0) + Self.gap - Int64(clamping: packet.time) } ?? 0
        shift = moved
        return packet.time.shifted(by: moved)
    }

    /// Hands `body` the packet as it is when nothing moves, else a copy at its moved time.
    mutating func apply<Result>(
        _ packet: DTSCPacket, data: UnsafeRawBufferPointer,
        _ body: (DTSCPacket, UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let time = time(of: packet)
        guard time != packet.time else { return try body(packet, data) }
        let frame = try DTSCFrameWriter.mediaPacket(
            trackID: packet.trackID, time: time, offset: packet.offset, keyframe: packet.isKeyframe, data: data)
        return try frame.withUnsafeBytes { raw in
            let copy = try DTSCPacket(raw)
            return try body(copy, copy.data ?? UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }
}

extension UInt64 {
    /// This time moved by `shift` milliseconds, clamped to the type's range.
    func shifted(by shift: Int64) -> UInt64 {
        shift >= 0 ? addingClamped(shift.magnitude) : (self > shift.magnitude ? self - shift.magnitude : 0)
    }
}
