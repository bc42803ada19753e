import MistNet
import MistRTP
import NIOCore
import Synchronization

/// Turns the RTSP fan-out group's interleaved bytes (`$`, channel, length, RTP packet) into one
/// datagram per RTP packet to the player's port for that channel, so UDP players share the
/// group (and its packetizing) with TCP ones. Records of channels without a port are skipped.
final class InterleavedDatagramSender: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let destinations: [UInt8: SocketAddress]
    /// The tail of a record split across writes (the group writes whole records; kept to be safe).
    private var carry: ByteBuffer?
    /// Datagrams sent, for the session's packet count.
    let sent = Atomic<Int64>(0)
    /// What the player's receiver reports said it lost, per source (cumulative, as reported).
    private let reportedLost = Mutex<[UInt32: Int64]>([:])

    /// Takes a player's RTCP receiver report blocks.
    func report(_ blocks: [RTCPReportBlock]) {
        reportedLost.withLock { lost in
            for block in blocks { lost[block.ssrc] = max(0, Int64(block.cumulativeLost)) }
        }
    }

    /// The session's packets: sent, and lost as the player reported.
    var packets: PacketCounts {
        PacketCounts(
            total: sent.load(ordering: .relaxed), lost: reportedLost.withLock { $0.values.reduce(0, +) })
    }

    init(destinations: [UInt8: SocketAddress]) { self.destinations = destinations }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var buffer = unwrapOutboundIn(data)
        if var carried = carry {
            carried.writeBuffer(&buffer)
            buffer = carried
            carry = nil
        }
        // Read in place: this runs per packet and per UDP player.
        while let (channel, packet) = InterleavedRecord.read(&buffer) {
            if let destination = destinations[channel] {
                context.write(
                    wrapOutboundOut(AddressedEnvelope(remoteAddress: destination, data: packet)), promise: nil)
                sent.add(1, ordering: .relaxed)
            }
        }
        if buffer.readableBytes > 0, buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == 0x24 {
            carry = buffer
        }
        promise?.succeed(())
    }
}
