import MistData

/// A format's muxer for a live fan-out group: it turns the group's packets into the bytes every
/// viewer of that format gets, once for all of them.
protocol LiveMuxer {
    /// What a viewer needs before its first chunk (an FLV header, an init segment); the same
    /// bytes for every viewer of the group.
    var header: [UInt8] { get }

    /// Appends packet `packet` of track `position` (its media in `data`) to `out`. True when the
    /// appended bytes start a point a new or lagging viewer can join at (a keyframe with the
    /// tables a decoder needs before it).
    mutating func add(position: Int, packet: DTSCPacket, data: UnsafeRawBufferPointer, into out: inout [UInt8])
        throws -> Bool

    /// Whatever the muxer still holds when the stream ends.
    mutating func finish() -> [UInt8]
}
