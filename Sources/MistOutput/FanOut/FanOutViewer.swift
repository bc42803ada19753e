import MistCore
import NIOCore

/// One viewer of a fan-out group, on its channel's event loop: the bytes only it needs
/// (response head, format header) and where it is in its lane's chunks. Chunks are written
/// whole and shared, so a viewer costs references, not copies; one whose channel is not
/// writable waits, and skips to the newest keyframe once the ring no longer holds its place.
/// Made on the blocking pool, then touched on its channel's loop only.
final class FanOutViewer: @unchecked Sendable {
    let connection: ChannelConnection
    let chunked: Bool
    /// Each chunk goes out as a WebSocket binary message (its head, then the shared payload).
    let webSocket: Bool
    private var own: ByteBuffer?
    /// The sequence to write next; nil while waiting for a joinable chunk.
    private var next: Int?
    /// Since when the channel has refused more (nil while it takes what there is).
    private(set) var blockedSince: Double?
    private var skippedChunks = 0
    private var trailer: ByteBuffer?
    /// Whether a lane serves this viewer now (so a late writability event finds it gone at once).
    var isServed = false
    /// Runs once when the group lets the viewer go (CONN_CLOSE, statistics).
    var onClose: (() -> Void)?
    /// Runs when the stream ends under the viewer (CONN_STOP), before it is let go.
    var onStreamEnd: (() -> Void)?

    init(connection: ChannelConnection, chunked: Bool, own: [UInt8], webSocket: Bool = false) {
        self.connection = connection
        self.chunked = chunked
        self.webSocket = webSocket
        self.own = own.isEmpty ? nil : connection.channel.allocator.buffer(bytes: own)
    }

    /// Starts at `chunk` (the newest joinable one), or at the next joinable chunk if nil.
    func start(at chunk: FanOutChunk?) { next = chunk?.sequence }

    /// Called for each new joinable chunk: a waiting viewer starts there.
    func joinableArrived(_ chunk: FanOutChunk) {
        if next == nil { next = chunk.sequence }
    }

    /// What a flush did.
    enum Flush: Equatable {
        /// Everything there is went out.
        case done
        /// The channel takes no more for now; the rest waits.
        case blocked
    }

    /// Chunks skipped since the last call: the viewer fell behind what the ring holds and
    /// jumped to its newest joinable chunk.
    func takeSkipped() -> Int {
        defer { skippedChunks = 0 }
        return skippedChunks
    }

    /// Whether bytes wait for the channel to take them.
    var isBlocked: Bool { blockedSince != nil }

    /// Writes what the channel takes now, without waiting.
    @discardableResult
    func flush(_ ring: FanOutRing) -> Flush {
        let channel = connection.channel
        var wrote = false
        defer { if wrote { channel.flush() } }
        func blocked() -> Flush {
            if blockedSince == nil { blockedSince = monotonicSeconds() }
            return .blocked
        }
        guard channel.isWritable else { return blocked() }
        if let own {
            connection.write(own)
            self.own = nil
            wrote = true
        }
        while let sequence = next, sequence < ring.nextSequence {
            guard channel.isWritable else { return blocked() }
            if let chunk = ring.chunk(sequence) {
                if webSocket { connection.write(chunk.webSocketHead) }
                connection.write(chunk.bytes(chunked: chunked))
                wrote = true
                next = sequence + 1
                continue
            }
            // Dropped from the ring: this viewer is too slow. Resume at the newest keyframe.
            let target = ring.newestJoinable
            skippedChunks += (target?.sequence ?? ring.nextSequence) - sequence
            next = target?.sequence
        }
        if let trailer, channel.isWritable {
            connection.write(trailer)
            self.trailer = nil
            wrote = true
        }
        guard trailer == nil else { return blocked() }
        blockedSince = nil
        return .done
    }

    /// Bytes that go out once every chunk so far has (the chunked terminator at the end).
    func append(trailer bytes: [UInt8]) { trailer = connection.channel.allocator.buffer(bytes: bytes) }

    /// Closes the channel once what was written has gone, and says so, once.
    func close() {
        connection.closeAfterWrites()
        let notice = onClose
        onClose = nil
        notice?()
    }
}
