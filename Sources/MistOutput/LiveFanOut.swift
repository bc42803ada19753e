import Logging
import MistCore
import MistData
import MistNet
import MistShm
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Every viewer of one live stream in one format with the same tracks: one thread reads the
/// stream, muxes each packet once and hands the same bytes to all of them without blocking on
/// any. A viewer that falls behind what the ring holds skips ahead to the newest keyframe; one
/// whose socket takes nothing for `stallSeconds` is dropped. Both are logged.
final class LiveFanOut: @unchecked Sendable {
    let key: String
    let label: String
    private let reader: StreamReader
    private var muxer: any LiveMuxer
    private var ring: FanOutRing
    private let logger: Logger
    private var viewers: [FanOutViewer] = []
    private let inbox = Mutex<[FanOutViewer]>([])
    private var current: [UInt8] = []
    private var currentJoinable = false
    private var piece: [UInt8] = []
    private var start: KeyframeStart
    static let stallSeconds = 30.0

    init(
        key: String, label: String, reader: StreamReader, tracks: [StreamTrack], muxer: any LiveMuxer,
        ringBytes: Int, logger: Logger
    ) {
        self.key = key
        self.label = label
        self.reader = reader
        self.muxer = muxer
        header = muxer.header
        self.logger = logger
        ring = FanOutRing(budget: ringBytes)
        start = KeyframeStart(tracks: tracks)
    }

    /// The bytes every viewer gets first (read by joining sessions on their own threads, so
    /// taken from the muxer once).
    let header: [UInt8]

    /// Hands a viewer to the group's thread (called under the registry's lock).
    func admit(_ viewer: FanOutViewer) { inbox.withLock { $0.append(viewer) } }

    /// No viewer is being served or waiting to be admitted.
    var isIdle: Bool { viewers.isEmpty && inbox.withLock { $0.isEmpty } }

    /// The group's loop; returns when the stream ends or the last viewer has left. `leave(force)`
    /// takes the group out of the registry (unless a viewer is waiting, when not forced) and says
    /// whether it did.
    func run(leave: (Bool) -> Bool) {
        var lastCloseCheck = monotonicSeconds()
        while true {
            for viewer in inbox.withLock({ box in
                defer { box.removeAll() }; return box
            }) {
                viewer.start(at: ring.newestJoinable)
                viewers.append(viewer)
                logger.mist(.info, "\(label) viewer \(viewer.connection.peer) joins (\(viewers.count) watching)")
            }
            var ended = false
            var produced = false
            do {
                (produced, ended) = try read()
            } catch {
                logger.mist(.fail, "\(label): reading the stream failed: \(error)")
                ended = true
            }
            if ended {
                current += muxer.finish()
                seal()
            }
            flushAll()
            let now = monotonicSeconds()
            if now - lastCloseCheck >= 1 {
                lastCloseCheck = now
                dropLeavers(now: now)
            }
            if ended {
                _ = leave(true)
                finishViewers()
                return
            }
            if viewers.isEmpty && leave(false) {
                logger.mist(.medium, "\(label): no viewers left")
                return
            }
            if !produced { waitForRoom(milliseconds: 5) }
        }
    }

    /// Muxes what the stream has ready (bounded, so viewers are served in between).
    private func read() throws -> (produced: Bool, ended: Bool) {
        var produced = false
        for _ in 0..<256 {
            switch try reader.next(timeoutMilliseconds: produced ? 0 : 10) {
            case .timeout: return (produced, false)
            case .end: return (produced, true)
            case .packet(let packet):
                guard let (position, data) = start.admit(packet) else { continue }
                produced = true
                piece.removeAll(keepingCapacity: true)
                if try muxer.add(position: position, packet: packet, data: data, into: &piece) {
                    seal()
                    currentJoinable = true
                }
                current += piece
                if current.count >= 256 * 1024 { seal() }
            }
        }
        return (produced, false)
    }

    /// Turns the bytes muxed so far into a chunk.
    private func seal() {
        guard !current.isEmpty else { return }
        let chunk = ring.append(current, joinable: currentJoinable)
        current.removeAll(keepingCapacity: true)
        currentJoinable = false
        if chunk.joinable { for viewer in viewers { viewer.joinableArrived(chunk) } }
    }

    private func flushAll() {
        viewers.removeAll { viewer in
            do {
                _ = try viewer.flush(ring)
                let chunks = viewer.takeSkipped()
                if chunks > 0 {
                    logger.mist(
                        .warn,
                        "\(label) viewer \(viewer.connection.peer) fell behind; skipped \(chunks) chunks to the newest keyframe"
                    )
                }
                return false
            } catch {
                logger.mist(.medium, "\(label) viewer \(viewer.connection.peer) left")
                viewer.close()
                return true
            }
        }
    }

    /// Drops viewers that closed their end or whose socket took nothing for too long.
    private func dropLeavers(now: Double) {
        viewers.removeAll { viewer in
            if viewer.isBlocked && now - viewer.lastProgress > LiveFanOut.stallSeconds {
                logger.mist(
                    .warn,
                    "\(label) viewer \(viewer.connection.peer) took nothing for \(Int(LiveFanOut.stallSeconds)) s; dropped"
                )
            } else if viewer.connection.peerHasClosed() {
                logger.mist(.medium, "\(label) viewer \(viewer.connection.peer) left")
            } else {
                return false
            }
            viewer.close()
            return true
        }
    }

    /// The stream ended: what is left goes out (for at most two seconds), then every viewer is closed.
    private func finishViewers() {
        for viewer in viewers where viewer.chunked { viewer.append(trailer: FanOutChunk.frame([])) }
        let deadline = monotonicSeconds() + 2
        while viewers.contains(where: \.isBlocked) && monotonicSeconds() < deadline {
            flushAll()
            waitForRoom(milliseconds: 20)
        }
        logger.mist(.info, "\(label): stream ended; closing \(viewers.count) viewers")
        for viewer in viewers { viewer.close() }
        viewers.removeAll()
        for viewer in inbox.withLock({ box in
            defer { box.removeAll() }; return box
        }) { viewer.close() }
    }

    /// Sleeps until a blocked viewer's socket has room, at most `milliseconds`.
    private func waitForRoom(milliseconds: Int) {
        var entries = viewers.filter(\.isBlocked).map {
            pollfd(fd: $0.connection.descriptor, events: Int16(POLLOUT), revents: 0)
        }
        if entries.isEmpty {
            usleepMilliseconds(milliseconds)
        } else {
            _ = poll(&entries, nfds_t(entries.count), Int32(milliseconds))
        }
    }
}
