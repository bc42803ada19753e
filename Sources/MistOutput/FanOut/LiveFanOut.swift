import Logging
import MistCore
import MistData
import MistShm
import NIOCore
import Synchronization

/// Every viewer of one live stream in one format with the same tracks: the group reads the
/// stream on its home event loop, muxes each packet once, as soon as the input has published it,
/// into a chunk of its own, and hands the same chunk to the lane of every loop its viewers are
/// on (one hop per loop, not per viewer). Its reader and muxer are touched on the home loop only.
final class LiveFanOut: @unchecked Sendable {
    let key: String
    let label: String
    let home: any EventLoop
    private let reader: StreamReader
    private var muxer: any LiveMuxer
    private var start: KeyframeStart
    private let logger: Logger
    private let ringBytes: Int
    /// The bytes every viewer gets first (taken from the muxer once).
    let header: [UInt8]
    /// One lane per event loop with viewers (created under the lock, used on its own loop), and
    /// the group's own ring of recent chunks that a new lane starts with, so its first viewer
    /// gets the newest keyframe the group already muxed.
    private let shared: Mutex<(lanes: [ObjectIdentifier: FanOutLane], recent: FanOutRing)>
    /// Viewers joined and not yet gone, across lanes (the registry's lock guards the step to 0).
    let viewerCount = Atomic<Int>(0)
    private var nextSequence = 0
    private var pump: LoopTimer?
    /// Chunks muxed but not yet handed to the lanes, and since when the oldest waits.
    private var undelivered: [FanOutChunk] = []
    private var waitingSince: Double?
    /// Which of the group's tracks are video: a video frame goes out at once and takes the audio
    /// muxed before it along, so a viewer's socket is written once per picture, not once per
    /// audio frame too; audio alone waits at most `audioWaitSeconds`.
    private let isVideo: [Bool]
    private let hasVideo: Bool
    static let audioWaitSeconds = 0.02
    /// Set once the stream ended; lanes made afterwards close their viewers at once.
    private let ended = Atomic<Bool>(false)
    /// Called (on the home loop) when the group stops: the registry forgets it.
    private let leave: @Sendable (LiveFanOut, _ force: Bool) -> Bool

    init(
        key: String, label: String, home: any EventLoop, reader: StreamReader, tracks: [StreamTrack],
        muxer: any LiveMuxer, ringBytes: Int, logger: Logger, leave: @escaping @Sendable (LiveFanOut, Bool) -> Bool
    ) {
        self.key = key
        self.label = label
        self.home = home
        self.reader = reader
        self.muxer = muxer
        header = muxer.header
        self.logger = logger
        self.ringBytes = ringBytes
        start = KeyframeStart(tracks: tracks)
        isVideo = tracks.map { $0.info.type == "video" }
        hasVideo = isVideo.contains(true)
        self.leave = leave
        shared = Mutex(([:], FanOutRing(budget: ringBytes)))
    }

    /// Starts reading (from any thread).
    func startPumping() {
        home.execute { [self] in
            pump = LoopTimer(loop: home, interval: OutputEventLoops.pollInterval, initialDelay: .zero) { [self] in
                read()
            }
        }
    }

    /// The lane for viewers on `loop` (made on first use).
    func lane(for loop: any EventLoop) -> FanOutLane {
        shared.withLock { shared in
            let id = ObjectIdentifier(loop)
            if let lane = shared.lanes[id] { return lane }
            let lane = FanOutLane(
                loop: loop, ring: shared.recent, label: label, logger: logger,
                watching: { [self] in viewerCount.load(ordering: .relaxed) },
                left: { [self] in viewerCount.subtract(1, ordering: .relaxed) })
            if ended.load(ordering: .relaxed) { loop.execute { lane.finish() } }
            shared.lanes[id] = lane
            return lane
        }
    }

    /// Muxes what the stream has ready, one chunk per packet, and hands the chunks to the lanes.
    private func read() {
        var chunks: [FanOutChunk] = []
        var finished = false
        var picture = false
        var piece: [UInt8] = []
        do {
            reading: for _ in 0..<256 {
                switch try reader.nextReady() {
                case .timeout: break reading
                case .end:
                    finished = true
                    break reading
                case .packet(let packet):
                    guard let (position, data) = start.admit(packet) else { continue }
                    piece.removeAll(keepingCapacity: true)
                    let joinable = try muxer.add(position: position, packet: packet, data: data, into: &piece)
                    guard !piece.isEmpty else { continue }
                    if !hasVideo || isVideo[position] { picture = true }
                    chunks.append(FanOutChunk(sequence: nextSequence, joinable: joinable, payload: piece))
                    nextSequence += 1
                }
            }
        } catch {
            logger.mist(.fail, "\(label): reading the stream failed: \(error)")
            finished = true
        }
        if finished {
            let tail = muxer.finish()
            if !tail.isEmpty {
                chunks.append(FanOutChunk(sequence: nextSequence, joinable: false, payload: tail))
                nextSequence += 1
            }
        }
        let now = monotonicSeconds()
        if !chunks.isEmpty && waitingSince == nil { waitingSince = now }
        undelivered += chunks
        if picture || finished || waitingSince.map({ now - $0 >= LiveFanOut.audioWaitSeconds }) == true {
            deliver(undelivered, finished: finished)
            undelivered = []
            waitingSince = nil
        }
        if finished {
            _ = leave(self, true)
            stop()
        } else if viewerCount.load(ordering: .relaxed) == 0 && leave(self, false) {
            logger.mist(.medium, "\(label): no viewers left")
            stop()
        }
    }

    private func deliver(_ chunks: [FanOutChunk], finished: Bool) {
        guard !chunks.isEmpty || finished else { return }
        if finished { ended.store(true, ordering: .relaxed) }
        let lanes = shared.withLock { shared in
            for chunk in chunks { shared.recent.append(chunk) }
            return Array(shared.lanes.values)
        }
        for lane in lanes {
            let work: @Sendable () -> Void = {
                if !chunks.isEmpty { lane.append(chunks) }
                if finished { lane.finish() }
            }
            if lane.loop.inEventLoop { work() } else { lane.loop.execute(work) }
        }
    }

    private func stop() {
        pump?.cancel()
        pump = nil
    }
}
