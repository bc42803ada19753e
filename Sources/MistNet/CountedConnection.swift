/// A connection the statistics count and the controller can stop: a blocking `TCPConnection`
/// or an event-loop channel. Read and cut from the statistics thread.
public protocol CountedConnection: AnyObject, Sendable {
    /// The peer's address, for logs.
    var peer: String { get }
    /// Bytes sent to the peer so far.
    var sentBytes: Int { get }
    /// Bytes received from the peer so far.
    var receivedBytes: Int { get }
    /// Ends the connection from another thread (a stopped session); its owner notices and
    /// cleans up.
    func cut()
    /// Packets over a lossy transport, for `clients`, `totals` and Prometheus.
    var packets: PacketCounts { get }
}

extension CountedConnection {
    public var packets: PacketCounts { PacketCounts() }
}
