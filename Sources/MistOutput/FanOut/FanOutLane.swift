import Logging
import MistCore
import NIOCore

/// The viewers of one fan-out group that live on one event loop, with their own ring of the
/// group's (shared) chunks: the group hands each lane its new chunks with one hop per loop, and
/// the lane writes them to its viewers without any lock. Shared across threads as a reference
/// only; everything in it is touched on `loop`.
final class FanOutLane: @unchecked Sendable {
    let loop: any EventLoop
    private(set) var ring: FanOutRing
    private(set) var viewers: [FanOutViewer] = []
    private let label: String
    private let logger: Logger
    private var stallCheck: LoopTimer?
    private var ended = false
    /// Told when a viewer leaves the lane (the group counts its viewers).
    private let left: () -> Void
    /// How many viewers the whole group has, for the log.
    private let watching: () -> Int
    static let stallSeconds = 30.0

    /// A lane starting with the chunks of `ring` (the group's recent ones).
    init(
        loop: any EventLoop, ring: FanOutRing, label: String, logger: Logger, watching: @escaping () -> Int,
        left: @escaping () -> Void
    ) {
        self.loop = loop
        self.ring = ring
        self.label = label
        self.logger = logger
        self.watching = watching
        self.left = left
    }

    /// Takes a viewer in: it starts at the newest keyframe the lane holds.
    func admit(_ viewer: FanOutViewer) {
        guard !ended else {
            viewer.close()
            left()
            return
        }
        viewer.start(at: ring.newestJoinable)
        viewer.isServed = true
        viewers.append(viewer)
        logger.mist(.info, "\(label) viewer \(viewer.connection.peer) joins (\(watching()) watching)")
        flush(viewer)
        if stallCheck == nil {
            stallCheck = LoopTimer(loop: loop, interval: .seconds(1)) { [weak self] in
                self?.dropStalled(now: monotonicSeconds())
            }
        }
    }

    /// New chunks from the group, in order.
    func append(_ chunks: [FanOutChunk]) {
        for chunk in chunks {
            ring.append(chunk)
            if chunk.joinable { for viewer in viewers { viewer.joinableArrived(chunk) } }
        }
        for viewer in viewers { flush(viewer) }
    }

    /// A viewer's channel takes bytes again.
    func resume(_ viewer: FanOutViewer) {
        guard viewer.isServed else { return }
        flush(viewer)
    }

    private func flush(_ viewer: FanOutViewer) {
        viewer.flush(ring)
        let chunks = viewer.takeSkipped()
        if chunks > 0 {
            logger.mist(
                .warn,
                "\(label) viewer \(viewer.connection.peer) fell behind; skipped \(chunks) chunks to the newest keyframe"
            )
        }
    }

    /// A viewer's channel closed (or the lane let it go).
    func remove(_ viewer: FanOutViewer) {
        guard detach(viewer) else { return }
        viewer.close()
        logger.mist(.medium, "\(label) viewer \(viewer.connection.peer) left")
    }

    /// Lets a viewer go without closing its channel (a WebSocket viewer that seeks or pauses goes
    /// on by itself).
    func release(_ viewer: FanOutViewer) {
        guard detach(viewer) else { return }
        logger.mist(.medium, "\(label) viewer \(viewer.connection.peer) went on by itself")
    }

    /// Takes a viewer out of the lane; false when it was not in it.
    private func detach(_ viewer: FanOutViewer) -> Bool {
        guard viewer.isServed, let index = viewers.firstIndex(where: { $0 === viewer }) else { return false }
        viewer.isServed = false
        viewers.remove(at: index)
        left()
        if viewers.isEmpty {
            stallCheck?.cancel()
            stallCheck = nil
        }
        return true
    }

    /// Drops viewers whose channel took nothing for `stallSeconds`.
    func dropStalled(now: Double) {
        for viewer in viewers {
            guard let since = viewer.blockedSince, now - since > FanOutLane.stallSeconds else { continue }
            logger.mist(
                .warn,
                "\(label) viewer \(viewer.connection.peer) took nothing for \(Int(FanOutLane.stallSeconds)) s; dropped")
            remove(viewer)
        }
    }

    /// The stream ended: chunked viewers get the terminator after what is left, then every
    /// viewer is closed (within two seconds even if it reads nothing).
    func finish() {
        ended = true
        let leaving = viewers
        for viewer in leaving where viewer.chunked { viewer.append(trailer: FanOutChunk.frame([])) }
        for viewer in leaving {
            let notice = viewer.onStreamEnd
            viewer.onStreamEnd = nil
            notice?()
        }
        for viewer in leaving { flush(viewer) }
        logger.mist(.info, "\(label): stream ended; closing \(leaving.count) viewers")
        for viewer in leaving {
            if viewer.isBlocked {
                loop.assumeIsolated().scheduleTask(in: .seconds(2)) { [weak self] in self?.remove(viewer) }
            } else {
                remove(viewer)
            }
        }
    }
}
