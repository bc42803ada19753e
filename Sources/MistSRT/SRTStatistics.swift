/// A connection's packet counters as libsrt keeps them, since it was made.
public struct SRTStatistics: Sendable, Equatable {
    /// Data packets sent (retransmissions included) and received.
    public var sent: Int64 = 0
    public var received: Int64 = 0
    /// Packets lost: those the peer reported missing (sending) plus those we found missing
    /// (receiving).
    public var lost: Int64 = 0
    /// Packets sent again after a loss report.
    public var retransmitted: Int64 = 0
    /// Packets that arrived too late to play and were dropped.
    public var dropped: Int64 = 0
    /// Smoothed round-trip time.
    public var rttMilliseconds: Double = 0

    public init() {}
}
