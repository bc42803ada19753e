/// A connection's packets over a lossy transport (SRT, RTP over UDP): all of them, those lost
/// and those sent again. Connections over TCP have none to report.
public struct PacketCounts: Sendable, Equatable {
    public var total: Int64
    public var lost: Int64
    public var retransmitted: Int64

    public init(total: Int64 = 0, lost: Int64 = 0, retransmitted: Int64 = 0) {
        self.total = total
        self.lost = lost
        self.retransmitted = retransmitted
    }
}
