import MistCore
import MistNet

/// One viewer of a fan-out group: its socket, the bytes only it needs (response head, format
/// header) and where it is in the group's chunks.
/// Owned by one thread at a time: the session that made it hands it to its group's thread.
final class FanOutViewer: @unchecked Sendable {
    let connection: TCPConnection
    let chunked: Bool
    private var own: [UInt8]
    private var ownSent = 0
    /// The chunk being sent and how much of it went out; kept even when the ring dropped it, so
    /// a chunk is never cut in the middle.
    private var current: FanOutChunk?
    private var currentSent = 0
    /// The sequence to send after `current`; nil while waiting for a joinable chunk.
    private var next: Int?
    /// When bytes last went out (or the viewer was waiting with nothing to send).
    private(set) var lastProgress = monotonicSeconds()
    private(set) var skips = 0
    /// Runs once when the group lets the viewer go (CONN_CLOSE).
    var onClose: (@Sendable () -> Void)?

    /// Closes the connection and says so, once.
    func close() {
        connection.close()
        let notice = onClose
        onClose = nil
        notice?()
    }

    init(connection: TCPConnection, chunked: Bool, own: [UInt8]) {
        self.connection = connection
        self.chunked = chunked
        self.own = own
    }

    /// Starts at `chunk` (the newest joinable one), or at the next joinable chunk if nil.
    func start(at chunk: FanOutChunk?) { next = chunk?.sequence }

    /// Called for each new joinable chunk: a waiting viewer starts there.
    func joinableArrived(_ chunk: FanOutChunk) {
        if next == nil && current == nil { next = chunk.sequence }
    }

    /// What a flush did.
    enum Flush: Equatable {
        /// Everything there is went out.
        case done
        /// The socket is full; bytes are waiting.
        case blocked
    }

    /// Chunks skipped since the last call: the viewer fell behind what the ring holds and
    /// jumped to its newest joinable chunk.
    func takeSkipped() -> Int {
        defer { skippedChunks = 0 }
        return skippedChunks
    }
    private var skippedChunks = 0

    /// Sends what the socket takes without waiting. Throws when the viewer has gone.
    func flush(_ ring: FanOutRing) throws(NetworkError) -> Flush {
        if ownSent < own.count {
            guard try send(own, ownSent..<own.count, progress: &ownSent) else { return .blocked }
            own = []
            ownSent = 0
        }
        while true {
            if let chunk = current {
                let range = chunk.range(chunked: chunked)
                var sent = currentSent
                let finished = try send(chunk.framed, (range.lowerBound + sent)..<range.upperBound, progress: &sent)
                currentSent = sent
                guard finished else { return .blocked }
                current = nil
                currentSent = 0
                next = chunk.sequence + 1
            }
            guard let sequence = next, sequence < ring.nextSequence else { break }
            if let chunk = ring.chunk(sequence) {
                current = chunk
                continue
            }
            // Dropped from the ring: this viewer is too slow. Resume at the newest keyframe.
            let target = ring.newestJoinable
            skippedChunks += (target?.sequence ?? ring.nextSequence) - sequence
            skips += 1
            next = target?.sequence
            if target == nil { break }
        }
        if trailerSent < trailer.count {
            guard try send(trailer, trailerSent..<trailer.count, progress: &trailerSent) else { return .blocked }
        }
        lastProgress = monotonicSeconds()
        return .done
    }

    /// Bytes that go out once every chunk so far has (the chunked terminator at the end).
    func append(trailer bytes: [UInt8]) { trailer += bytes }
    private var trailer: [UInt8] = []
    private var trailerSent = 0

    /// Whether bytes wait for room in the socket.
    var isBlocked: Bool { ownSent < own.count || current != nil || trailerSent < trailer.count }

    /// Sends `range` of `bytes`, adding what went out to `progress`; true when all of it went.
    private func send(_ bytes: [UInt8], _ range: Range<Int>, progress: inout Int) throws(NetworkError) -> Bool {
        var offset = range.lowerBound
        while offset < range.upperBound {
            let start = offset
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(NetworkError) in
                    try connection.trySend(UnsafeRawBufferPointer(rebasing: raw[start..<range.upperBound]))
                }
            }
            let written = try result.get()
            if written == 0 { return false }
            offset += written
            progress += written
            lastProgress = monotonicSeconds()
        }
        return true
    }
}
