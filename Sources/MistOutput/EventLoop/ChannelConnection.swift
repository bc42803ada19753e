import MistNet
import MistStream
import NIOCore
import Synchronization

/// One connection served on an event loop, as the rest of the output sees it: its peer for
/// logs and triggers, its byte counts for the statistics, writes that may come from any thread
/// (a request answered on the blocking pool) and a way for the controller to cut it.
public final class ChannelConnection: CountedConnection, Sendable {
    public let channel: any Channel
    public let peer: String
    /// What the channel's pipeline takes at its tail: plain bytes, or RTMP's outgoing messages
    /// (whose chunked form carries bytes through the chunk encoder).
    enum Framing: Sendable {
        case bytes
        case rtmp
    }
    let framing: Framing
    /// Whether the connection came in over TLS (its pages then name `https://` addresses).
    let isSecure: Bool
    private let sent = Atomic<Int>(0)
    private let received = Atomic<Int>(0)
    /// The peer's host when the channel's own address is not the peer's (a relayed SRT link).
    private let relayedHost: String?
    /// Where packet counts come from, for a transport that has them.
    private let packetSource: (@Sendable () -> PacketCounts)?
    /// The session token of a viewer or publisher that brings none: one per connection, as
    /// MistServer's process per connection made its tokens (its pid, or a checksum with it).
    let generatedToken = ViewerSession.generatedToken()

    init(channel: any Channel, framing: Framing = .bytes, isSecure: Bool = false) {
        self.channel = channel
        self.framing = framing
        self.isSecure = isSecure
        peer = ChannelConnection.describe(channel.remoteAddress)
        relayedHost = nil
        packetSource = nil
    }

    /// A channel that relays another transport: its peer is that transport's, and so are its
    /// packet counts.
    init(channel: any Channel, relayedPeer: String, host: String, packets: @escaping @Sendable () -> PacketCounts) {
        self.channel = channel
        framing = .bytes
        isSecure = false
        peer = relayedPeer
        relayedHost = host
        packetSource = packets
    }

    public var packets: PacketCounts { packetSource?() ?? PacketCounts() }

    /// `host:port`, IPv6 hosts in brackets (as `TCPConnection` names its peers).
    static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        let host = address.ipAddress ?? "unknown"
        let port = address.port ?? 0
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The peer's address without its port.
    public var peerHost: String { relayedHost ?? channel.remoteAddress?.ipAddress ?? "unknown" }

    public var sentBytes: Int { sent.load(ordering: .relaxed) }
    public var receivedBytes: Int { received.load(ordering: .relaxed) }

    func countReceived(_ count: Int) { received.add(count, ordering: .relaxed) }
    func countSent(_ count: Int) { sent.add(count, ordering: .relaxed) }

    /// Queues `bytes` and flushes them (from any thread; the loop writes them in order).
    func send(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        write(channel.allocator.buffer(bytes: bytes))
        channel.flush()
    }

    /// Queues a response head and a body shared with other connections (not copied), and
    /// flushes them.
    func send(_ head: [UInt8], body: ByteBuffer?) {
        write(channel.allocator.buffer(bytes: head))
        if let body, body.readableBytes > 0 { write(body) }
        channel.flush()
    }

    /// Queues a buffer shared with other connections (not copied), without flushing.
    func write(_ buffer: ByteBuffer) {
        countSent(buffer.readableBytes)
        switch framing {
        case .bytes: channel.write(buffer, promise: nil)
        case .rtmp: channel.write(RTMPOutgoing.chunked(buffer), promise: nil)
        }
    }

    public func cut() { channel.close(promise: nil) }

    /// Closes the channel once everything written before has gone out.
    func closeAfterWrites() {
        let channel = self.channel
        let done: EventLoopFuture<Void>
        switch framing {
        case .bytes: done = channel.writeAndFlush(ByteBuffer())
        case .rtmp: done = channel.writeAndFlush(RTMPOutgoing.chunked(ByteBuffer()))
        }
        done.whenComplete { _ in channel.close(promise: nil) }
    }
}
