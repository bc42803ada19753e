import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// The output side of a stream's shared memory: opens the metadata an input wrote, follows the
/// selected tracks' data pages and hands out packets in timestamp order, straight from the
/// mapped pages (no locks, no copies).
public final class StreamReader {
    public let stream: String
    private let metaPage: SharedMemoryPage
    private let tables: StreamTables
    private var cursors: [Int: TrackCursor] = [:]
    private var selected: [TrackCursor] = []
    private var pending: (cursor: TrackCursor, length: Int)?
    /// This reader's records in the stream's users table, so the input counts it as a viewer.
    private var users: StreamUsers?
    private var userRecords: [UInt64] = []
    /// The kinds of reader this is (`TrackMask`): tracks masked from all of them are not seen.
    public var mask: UInt8 = TrackMask.ofThisProcess

    /// Opens the stream's metadata, waiting up to `waitMilliseconds` for an input to create it.
    public init(stream: String, waitMilliseconds: Int = 5000) throws(SharedMemoryError) {
        self.stream = stream
        var waited = 0
        var opened: (SharedMemoryPage, StreamTables)?
        var lastError = SharedMemoryError.notFound(StreamPageNames.meta(stream))
        while opened == nil {
            do {
                let page = try SharedMemoryPage(opening: StreamPageNames.meta(stream), writable: false)
                let stream = try RecordTable(reading: page.base, capacity: page.size)
                opened = (page, try StreamTables(stream: stream))
            } catch {
                lastError = error
                guard waited < waitMilliseconds else { throw lastError }
                usleep(10_000)
                waited += 10
            }
        }
        guard let opened else { throw lastError }
        (metaPage, tables) = opened
    }

    /// The cursors of the selected tracks (for tests and diagnostics).
    var selectedCursors: [TrackCursor] { selected }

    /// The indices of the tracks `next` reads.
    public var selectedIndices: [Int] { selected.map(\.index) }

    public var isLive: Bool { tables.stream.int(tables.live, 0) != 0 }

    /// Whether the input has ended the stream or died.
    public var inputIsGone: Bool {
        if tables.stream.isExit { return true }
        let list = tables.trackList
        var anyOwner = false
        for record in list.presentRange {
            let pid = pid_t(truncatingIfNeeded: list.int(tables.pid, record))
            if StreamCleanup.processIsAlive(pid) { return false }
            anyOwner = anyOwner || pid > 0
        }
        return anyOwner || StreamCleanup.inputIsGone(stream)
    }

    /// Whether this reader sees track list record `record` (its mask shares a bit with ours).
    private func sees(_ record: UInt64) -> Bool {
        tables.trackList.int(tables.valid, record) & UInt64(mask) != 0
    }

    /// The tracks the input has added so far that this reader sees.
    public func tracks() -> [StreamTrack] {
        let list = tables.trackList
        var result: [StreamTrack] = []
        for record in list.presentRange where sees(record) {
            guard let cursor = try? cursor(Int(clamping: record)) else { continue }
            let t = cursor.tables
            let track = t.track
            // The track list's 32-byte codec field holds names the track page's 8 bytes cut short
            // (`subtitle`, with its terminator).
            let listedCodec = list.string(tables.codec, record)
            var info = TrackInfo(
                type: track.string(t.type, 0), codec: listedCodec.isEmpty ? track.string(t.codec, 0) : listedCodec,
                id: UInt32(track.int(t.id, 0)), initData: [], language: track.string(t.lang, 0))
            // A 16-bit big-endian length, then the bytes (MistServer's layout).
            let initBytes = UnsafeRawBufferPointer(start: track.pointer(t.initData, 0), count: Int(t.initData.size))
            if initBytes.count >= 2 {
                let length = min(Int(initBytes[0]) << 8 | Int(initBytes[1]), initBytes.count - 2)
                info.initData = Array(initBytes[2..<(2 + length)])
            }
            info.width = UInt32(track.int(t.width, 0))
            info.height = UInt32(track.int(t.height, 0))
            info.fpks = UInt32(track.int(t.fpks, 0))
            info.rate = UInt32(track.int(t.rate, 0))
            info.channels = UInt32(track.int(t.channels, 0))
            info.sampleSize = UInt32(track.int(t.sampleSize, 0))
            result.append(
                StreamTrack(
                    index: Int(clamping: record), info: info, firstMs: track.int(t.firstms, 0),
                    lastMs: track.int(t.lastms, 0),
                    bps: track.int(t.bps, 0), maxBps: track.int(t.maxbps, 0)))
        }
        return result
    }

    func cursor(_ index: Int) throws(SharedMemoryError) -> TrackCursor {
        if let existing = cursors[index] { return existing }
        let list = tables.trackList
        guard list.isAvailable(UInt64(index)) else { throw .notFound("track \(index) of \(stream)") }
        let name = list.string(tables.page, UInt64(index))
        let page = try SharedMemoryPage(opening: name, writable: false)
        let table = try RecordTable(reading: page.base, capacity: page.size)
        let cursor = TrackCursor(stream: stream, index: index, page: page, tables: try TrackTables(track: table))
        cursors[index] = cursor
        return cursor
    }

    /// A key as `keys(of:)` lists it: number, time, duration and frame count.
    public typealias Key = (number: UInt64, time: UInt64, duration: UInt64, parts: UInt64)

    /// A track's keys now in memory: number, time, duration and frames (the last key of a live
    /// track may still grow; its duration is 0 until the next key arrives).
    public func keys(of index: Int) throws(SharedMemoryError) -> [Key] {
        let t = try cursor(index).tables
        var keys: [Key] = []
        var record = t.keys.deleted
        while record < t.keys.endPosition {
            keys.append(
                (
                    t.keys.int(t.keyNumber, record), t.keys.int(t.keyTime, record), t.keys.int(t.keyDuration, record),
                    t.keys.int(t.keyParts, record)
                ))
            record += 1
        }
        // Durations come from the time of the following key when it exists.
        for index in keys.indices.dropLast() {
            keys[index].duration =
                keys[index + 1].time >= keys[index].time ? keys[index + 1].time - keys[index].time : 0
        }
        if let last = keys.indices.last, keys.count > 0 { keys[last].duration = isLive ? 0 : keys[last].duration }
        return keys
    }

    /// Where a track's keys stand: its page, its oldest key still held and one past its newest.
    public typealias KeyWindow = (page: String, first: UInt64, end: UInt64)

    /// A track's key window: its page, the number of its oldest key still held and one past its
    /// newest, or nil when the track is gone. An answer built from `keys(of:)` of a live track
    /// (its complete keys) stays right while the window does not change.
    public func keyWindow(of index: Int) -> KeyWindow? {
        let list = tables.trackList
        guard list.isAvailable(UInt64(index)), sees(UInt64(index)) else { return nil }
        // A track removed and added again under the same index has a page of another name.
        let page = list.string(tables.page, UInt64(index))
        if let known = cursors[index], known.page.name != page { cursors[index] = nil }
        guard let t = try? cursor(index).tables else { return nil }
        return (page, t.keys.deleted, t.keys.endPosition)
    }

    /// How many whole `partMilliseconds` track `index` reaches past the newest key of track
    /// `timing` (the parts of the growing segment a low-latency playlist lists): it changes
    /// when a part completes or a key arrives, not with every frame. Nil when a track is gone.
    public func partsReached(of index: Int, timing: Int, partMilliseconds: UInt64) -> UInt64? {
        guard partMilliseconds > 0, keyWindow(of: index) != nil, keyWindow(of: timing) != nil,
            let track = try? cursor(index).tables, let keys = try? cursor(timing).tables
        else { return nil }
        let reached = track.track.int(track.lastms, 0)
        guard keys.keys.endPosition > keys.keys.deleted else { return 0 }
        let lastKey = keys.keys.int(keys.keyTime, keys.keys.endPosition - 1)
        return reached > lastKey ? (reached - lastKey) / partMilliseconds : 0
    }

    /// A number that changes whenever the input writes, drops or loads anything of the stream's
    /// tracks (parts, keys, the bytes available in each page, the newest time): a waiting
    /// viewer's reader may have something new when it changed, and nothing when it did not.
    public func progress() -> UInt64 {
        let list = tables.trackList
        var sum: UInt64 = list.endPosition
        for record in list.presentRange where sees(record) {
            guard let t = try? cursor(Int(clamping: record)).tables else { continue }
            sum = sum &+ t.parts.endPosition &+ t.keys.deleted &+ t.track.int(t.lastms, 0)
            for page in t.pages.presentRange { sum = sum &+ t.pages.int(t.pageAvail, page) }
        }
        return sum
    }

    /// Chooses the tracks `next` reads, starting each at its oldest key.
    public func select(_ indices: [Int]) throws(SharedMemoryError) {
        var chosen: [TrackCursor] = []
        for index in indices {
            let cursor = try cursor(index)
            let t = cursor.tables
            let first = t.keys.deleted
            let firstTime = t.keys.endPosition > first ? t.keys.int(t.keyTime, first) : 0
            try cursor.position(atKey: first, skippingBefore: firstTime)
            chosen.append(cursor)
        }
        selected = chosen
        pending = nil
        heldSince = nil
        register(indices)
    }

    /// Replaces this reader's users-table records with one per selected track.
    private func register(_ indices: [Int]) {
        if users == nil { users = try? StreamUsers.open(stream: stream) }
        guard let users else { return }
        for record in userRecords { users.unregister(record) }
        userRecords = []
        for index in indices {
            guard let record = users.register(track: index) else { continue }
            userRecords.append(record)
            cursors[index]?.attach(users, record: record)
        }
    }

    deinit {
        if let users { for record in userRecords { users.unregister(record) } }
    }

    /// Moves every selected track to the last key at or before `time`, so playback starts there.
    public func seek(to time: UInt64) throws(SharedMemoryError) {
        for cursor in selected {
            let t = cursor.tables
            var key = t.keys.deleted
            var candidate = key
            while candidate < t.keys.endPosition && t.keys.int(t.keyTime, candidate) <= time {
                key = candidate
                candidate += 1
            }
            // Video must start at its keyframe; other tracks (every audio frame stands alone, but
            // keys group many) start right at the asked time so they line up with the video.
            let keyTime = t.keys.int(t.keyTime, key)
            let isVideo = t.track.string(t.type, 0) == "video"
            try cursor.position(atKey: key, skippingBefore: isVideo ? keyTime : max(keyTime, time))
        }
        pending = nil
        heldSince = nil
    }

    /// Moves the selected tracks to where live viewers join: the newest point every track has a
    /// key at (for video and audio, the newest video keyframe, with audio from just before it).
    public func seekToLiveEdge() throws(SharedMemoryError) {
        var joint: UInt64?
        for cursor in selected {
            let keys = cursor.tables.keys
            guard keys.endPosition > keys.deleted else { continue }
            let newest = keys.int(cursor.tables.keyTime, keys.endPosition - 1)
            joint = min(joint ?? newest, newest)
        }
        try seek(to: joint ?? 0)
    }

    /// Whether this is a file stream whose input has written all of it (its status is ready);
    /// only then does reaching the end of every track mean the stream is over.
    private var fileIsComplete: Bool {
        if !completeFile && !isLive { completeFile = StreamStatus.current(of: stream) == .ready }
        return completeFile
    }
    private var completeFile = false

    /// The next packet across the selected tracks in timestamp order (ties by track index),
    /// waiting up to `timeoutMilliseconds` for the input to write it, looking again every
    /// `pollMilliseconds` (a reader whose consumer adds more delay anyway, such as a stream
    /// process's encoder, wakes less often).
    public func next(timeoutMilliseconds: Int, pollMilliseconds: Int = 2) throws(DTMIError) -> ReadResult {
        advancePastPending()
        let poll = min(100, max(1, pollMilliseconds))
        var waited = 0
        while true {
            if let result = try attempt(force: waited >= timeoutMilliseconds) { return result }
            usleep(useconds_t(poll * 1000))
            waited += poll
        }
    }

    /// The next packet if one can go out now, without waiting: for event loops, which call again
    /// when the input may have written more. A packet that another selected track may still
    /// precede is held back for up to `holdMilliseconds` (then sent, as `next` does at its
    /// timeout), so the tracks stay in time order.
    public func nextReady(holdMilliseconds: Int = 200) throws(DTMIError) -> ReadResult {
        advancePastPending()
        let force = heldSince.map { ContinuousClock.now - $0 >= .milliseconds(holdMilliseconds) } ?? false
        if let result = try attempt(force: force) {
            heldSince = nil
            return result
        }
        return .timeout
    }
    /// Since when `nextReady` has held a packet back for a track that has nothing yet.
    private var heldSince: ContinuousClock.Instant?

    private func advancePastPending() {
        if let pending {
            pending.cursor.advance(by: pending.length)
            self.pending = nil
        }
    }

    /// One look at the selected tracks: the packet to hand out, the end, a timeout (`force`: the
    /// wait is over), or nil to look again later.
    private func attempt(force: Bool) throws(DTMIError) -> ReadResult? {
        do {
            var best: (cursor: TrackCursor, packet: DTSCPacket)?
            var waiting: [TrackCursor] = []
            for cursor in selected {
                guard let packet = try cursor.peek() else {
                    waiting.append(cursor)
                    continue
                }
                if let current = best, current.packet.time <= packet.time { continue }
                best = (cursor, packet)
            }
            if let best {
                // A track with nothing new may still get an earlier packet, unless it is past that
                // time already or its input is gone.
                let safe = waiting.allSatisfy {
                    if $0.isMetadata { return true }
                    if let waitingFrom = $0.waitingFrom { return waitingFrom > best.packet.time }
                    return ($0.tables.keys.endPosition > 0 && $0.lastMs >= best.packet.time)
                        || ($0.isExhausted && fileIsComplete)
                }
                if safe || force || inputIsGone {
                    pending = (best.cursor, best.packet.frameLength)
                    return .packet(best.packet)
                }
                if heldSince == nil { heldSince = ContinuousClock.now }
            } else if inputIsGone || (waiting.allSatisfy(\.isExhausted) && fileIsComplete) {
                // Live: the input left. A file: every selected track has been read to its end.
                return .end
            } else if force {
                return .timeout
            }
            return nil
        }
    }
}
