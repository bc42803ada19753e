/// An RTCP BYE (RFC 3550 §6.6) for one source: a player that gets it for every track knows the
/// presentation ended, rather than waiting for a timeout.
public struct RTCPGoodbye: Sendable, Equatable {
    public var ssrc: UInt32

    public init(ssrc: UInt32) { self.ssrc = ssrc }

    /// The 8 bytes of the packet (one source, no reason).
    public var bytes: [UInt8] { [0x81, 203, 0, 1] + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: ssrc >> $0) } }
}
