#if canImport(Glibc)
    import Glibc
#endif

/// The input side of a stream's shared memory: creates the metadata page, adds tracks, appends
/// packets into per-track data pages, and drops what falls out of the live DVR window, in
/// MistServer 3.x's layouts so MistServer's outputs can read what we write and the other way round.
///
/// One writer per stream: it holds the stream's input semaphore while it lives. Closing removes
/// every page; pages left by a writer that was killed are removed by `StreamCleanup` (the next
/// writer of the stream does that on start).
public final class StreamWriter {
    public let stream: String
    /// Milliseconds of media kept for live streams; 0 keeps everything.
    public let bufferWindow: UInt64
    public let isLive: Bool
    private let metaPage: SharedMemoryPage
    private let tables: StreamTables
    /// The stream's own pages, held by the writer that owns the stream (nil when attached).
    private let statePage: SharedMemoryPage?
    private let pidPage: SharedMemoryPage?
    private let inputLock: NamedSemaphore?
    private let users: StreamUsers
    private var tracks: [TrackWriter] = []
    private var closed = false
    /// Writing tracks into a stream another process's buffer owns, as MistServer's outputs that
    /// take a push do: each track is registered as a source in the stream's users table.
    public let isAttached: Bool
    private var sourceRecords: [UInt64] = []
    /// Pushed tracks' tables, mapped to trim and remove them.
    private var pushed: [Int: TrackWriter] = [:]

    /// Capacity of each track's tables; live tracks reuse slots as the window moves.
    public struct TrackCapacity: Sendable {
        public var parts: UInt32
        public var keys: UInt32
        public var fragments: UInt32
        public var pages: UInt32

        public init(parts: UInt32, keys: UInt32, fragments: UInt32, pages: UInt32) {
            self.parts = parts
            self.keys = keys
            self.fragments = fragments
            self.pages = pages
        }

        /// Enough for several minutes of 60 fps video or 48 kHz audio.
        public static let live = TrackCapacity(parts: 32768, keys: 2048, fragments: 1024, pages: 256)

        /// Room for a file track of `packets` packets (each may start a key and a fragment).
        public static func file(packets: UInt32) -> TrackCapacity {
            let (sum, overflow) = packets.addingReportingOverflow(16)
            let room = overflow ? UInt32.max : sum
            return TrackCapacity(parts: room, keys: room, fragments: room, pages: min(room, 4096))
        }
    }

    /// Claims `stream`, removing what a dead earlier input left, and lays out its metadata.
    public init(stream: String, live: Bool, bufferWindow: UInt64 = 50000, trackCapacity: UInt32 = 16)
        throws(StreamWriteError)
    {
        self.stream = stream
        self.isLive = live
        self.bufferWindow = bufferWindow
        do {
            var lock = try NamedSemaphore(StreamPageNames.inputSemaphore(stream))
            if !lock.tryWait() {
                // Taken: by a live input, or by one that was killed while holding it.
                guard StreamCleanup.inputIsGone(stream) else { throw StreamWriteError.streamBusy(stream) }
                StreamCleanup.removePages(of: stream)
                lock = try NamedSemaphore(StreamPageNames.inputSemaphore(stream))
                if !lock.tryWait() { throw StreamWriteError.streamBusy(stream) }
            } else if !StreamCleanup.pageNames(of: stream).isEmpty, StreamCleanup.inputIsGone(stream) {
                // Free, but pages are left: their input died without holding a lock that outlives it.
                StreamCleanup.removePages(of: stream, keepingLocks: true)
            }
            inputLock = lock
            let state = try SharedMemoryPage(creating: StreamPageNames.state(stream), size: 2)
            state.base.storeBytes(of: StreamStatus.initializing.rawValue, as: UInt8.self)
            statePage = state
            let inputPID = try SharedMemoryPage(creating: StreamPageNames.inputPID(stream), size: 8)
            inputPID.base.storeBytes(of: UInt64(getpid()), as: UInt64.self)
            pidPage = inputPID
            users = try StreamUsers.create(stream: stream)
            metaPage = try SharedMemoryPage(
                creating: StreamPageNames.meta(stream), size: StreamTables.pageSize(trackCapacity: trackCapacity))
            tables = try StreamTables.create(in: metaPage, trackCapacity: trackCapacity)
        } catch let error as StreamWriteError {
            throw error
        } catch let error as SharedMemoryError {
            throw .sharedMemory(error)
        } catch {
            throw .streamBusy(stream)
        }
        isAttached = false
        tables.stream.setInt(tables.live, 0, live ? 1 : 0)
        tables.stream.setInt(tables.vod, 0, live ? 0 : 1)
        tables.stream.setInt(tables.bufferWindow, 0, bufferWindow)
        tables.stream.setReady()
    }

    /// Attaches to a live stream whose buffer (of either code base) is waiting for a push:
    /// tracks added here go into its track list, with their pages owned by this process until it
    /// lets go; the buffer keeps the window and removes them when the push ends.
    public init(attachingTo stream: String) throws(StreamWriteError) {
        self.stream = stream
        isLive = true
        bufferWindow = 0
        isAttached = true
        statePage = nil
        pidPage = nil
        inputLock = nil
        do {
            metaPage = try SharedMemoryPage(opening: StreamPageNames.meta(stream))
            metaPage.isOwner = false
            tables = try StreamTables(stream: try RecordTable(reading: metaPage.base, capacity: metaPage.size))
            users = try StreamUsers.open(stream: stream)
        } catch {
            throw .sharedMemory(error)
        }
        guard tables.stream.isReady, !tables.stream.isExit else { throw .streamBusy(stream) }
    }

    /// The stream's source (`push://` for a buffer), which MistServer's outputs check before
    /// they push into it.
    public func setSource(_ source: String) {
        guard !isAttached, let field = tables.stream.fields["source"] else { return }
        tables.stream.setBytes(field, 0, Array(source.utf8))
    }

    /// The stream's status as outputs and the controller see it (set only by its owner).
    public var status: StreamStatus {
        get {
            guard let statePage else { return StreamStatus.current(of: stream) }
            return StreamStatus(rawValue: statePage.base.load(as: UInt8.self)) ?? .invalid
        }
        set { statePage?.base.storeBytes(of: newValue.rawValue, as: UInt8.self) }
    }

    public var trackCount: Int { tracks.count }

    /// What each track was added with, by index.
    public var trackInfos: [TrackInfo] { tracks.map(\.info) }

    /// The time of a track's newest packet, if it has any.
    public func lastTime(of index: Int) -> UInt64? {
        guard tracks.indices.contains(index), tracks[index].hasPackets else { return nil }
        return tracks[index].lastTime
    }

    /// Outputs currently reading the stream (frees the records of those that left or died).
    public func viewerCount() -> Int { users.sweep() }

    /// Adds a track and returns its index (the track id packets are written with).
    /// `mask` says which kinds of readers see it (`TrackMask`).
    public func addTrack(_ info: TrackInfo, capacity: TrackCapacity = .live, mask: UInt8 = TrackMask.all)
        throws(StreamWriteError) -> Int
    {
        let list = tables.trackList
        // Other processes add tracks to the same list (pushing outputs, as MistServer's do), under
        // the list's lock; the list index can differ from the index this writer returns.
        let lock = try? NamedSemaphore(StreamPageNames.trackListSemaphore(stream))
        let locked = lock?.wait(milliseconds: 5000) ?? false
        if isAttached && !locked { throw .streamBusy(stream) }
        defer { if locked { lock?.post() } }
        let index = Int(clamping: max(list.endPosition, UInt64(list.present)))
        guard index < Int(list.recordCount) else { throw .tooManyTracks(Int(list.recordCount)) }
        // Stored as MistServer stores it: a 16-bit big-endian length, then the bytes.
        guard info.initData.count <= Int(UInt16.max) else { throw .initDataTooLarge(info.initData.count) }
        let name = StreamPageNames.track(stream, pid: getpid(), index: index)
        let page: SharedMemoryPage
        let trackTables: TrackTables
        do {
            page = try SharedMemoryPage(
                creating: name,
                size: TrackTables.pageSize(
                    parts: capacity.parts, keys: capacity.keys, fragments: capacity.fragments, pages: capacity.pages))
            trackTables = try TrackTables.create(
                in: page, parts: capacity.parts, keys: capacity.keys, fragments: capacity.fragments,
                pages: capacity.pages)
        } catch {
            throw .sharedMemory(error)
        }
        let track = trackTables.track
        track.setInt(trackTables.id, 0, UInt64(info.id))
        track.setBytes(trackTables.type, 0, info.type.utf8)
        track.setBytes(trackTables.codec, 0, info.codec.utf8)
        track.setBytes(trackTables.lang, 0, info.language.utf8)
        track.setBytes(
            trackTables.initData, 0,
            [UInt8(info.initData.count >> 8), UInt8(truncatingIfNeeded: info.initData.count)] + info.initData)
        track.setInt(trackTables.width, 0, UInt64(info.width))
        track.setInt(trackTables.height, 0, UInt64(info.height))
        track.setInt(trackTables.fpks, 0, UInt64(info.fpks))
        track.setInt(trackTables.rate, 0, UInt64(info.rate))
        track.setInt(trackTables.channels, 0, UInt64(info.channels))
        track.setInt(trackTables.sampleSize, 0, UInt64(info.sampleSize))

        list.setInt(tables.id, UInt64(index), UInt64(info.id))
        list.setBytes(tables.type, UInt64(index), info.type.utf8)
        list.setBytes(tables.codec, UInt64(index), info.codec.utf8)
        list.setBytes(tables.page, UInt64(index), name.utf8)
        list.setInt(tables.pid, UInt64(index), UInt64(getpid()))
        if isAttached, let sourceTrack = list.fields["sourcetid"] {
            list.setInt(sourceTrack, UInt64(index), UInt64(UInt32.max))
        }
        list.setInt(tables.valid, UInt64(index), UInt64(mask))
        list.addRecords(1)
        tracks.append(TrackWriter(stream: stream, index: index, info: info, page: page, tables: trackTables))
        if isAttached {
            // The buffer counts a push by its source records and drops their tracks with them.
            if let record = users.register(track: index, flags: UserStatus.source) { sourceRecords.append(record) }
        }
        return tracks.count - 1
    }

    // MARK: Tracks pushed in by other processes

    /// Tracks other processes write into this stream (MistServer's outputs taking a push): the
    /// valid ones by list index, with their writer's pid.
    public func pushedTracks() -> [(index: Int, pid: pid_t)] {
        let list = tables.trackList
        let own = Set(tracks.map(\.index))
        var result: [(index: Int, pid: pid_t)] = []
        for record in list.presentRange where !own.contains(Int(record)) && list.int(tables.valid, record) != 0 {
            result.append((Int(record), pid_t(truncatingIfNeeded: list.int(tables.pid, record))))
        }
        return result
    }

    /// The source records of the users table (one per pushed track).
    public func pushSources() -> [(record: UInt64, pid: pid_t, track: Int, live: Bool)] { users.sources() }

    /// Removes a pushed track as MistServer's buffer does: its source is asked to disconnect,
    /// the track is marked invalid, and its pages are removed.
    public func dropPushedTrack(_ index: Int) {
        for source in users.sources() where source.track == index { users.requestDisconnect(source.record) }
        let list = tables.trackList
        guard list.presentRange.contains(UInt64(index)), !tracks.contains(where: { $0.index == index }) else { return }
        list.setInt(tables.valid, UInt64(index), 0)
        if let adopted = pushed.removeValue(forKey: index) {
            adopted.removeAll()
        } else {
            let name = list.string(tables.page, UInt64(index))
            if !name.isEmpty { SharedMemoryPage.unlink(name) }
        }
    }

    /// Keeps pushed tracks inside the DVR window, as this writer keeps its own: keys older than
    /// `bufferWindow` behind a track's newest are dropped, with their pages.
    public func trimPushedTracks() {
        guard bufferWindow > 0 else { return }
        for (index, _) in pushedTracks() {
            guard let track = adopt(index) else { continue }
            let t = track.tables
            guard t.keys.endPosition > t.keys.deleted else { continue }
            let newest = t.keys.int(t.keyTime, t.keys.endPosition - 1)
            while t.keys.endPosition - t.keys.deleted > 2,
                newest &- t.keys.int(t.keyTime, t.keys.deleted + 1) > bufferWindow
            {
                track.evictOldestKey()
            }
        }
    }

    /// A pushed track's tables, mapped once.
    private func adopt(_ index: Int) -> TrackWriter? {
        if let known = pushed[index] { return known }
        let list = tables.trackList
        let name = list.string(tables.page, UInt64(index))
        guard !name.isEmpty, let page = try? SharedMemoryPage(opening: name),
            let table = try? RecordTable(reading: page.base, capacity: page.size), table.isReady,
            let trackTables = try? TrackTables(track: table)
        else { return nil }
        page.isOwner = false
        let info = TrackInfo(
            type: list.string(tables.type, UInt64(index)), codec: list.string(tables.codec, UInt64(index)),
            id: UInt32(truncatingIfNeeded: list.int(tables.id, UInt64(index))))
        let track = TrackWriter(stream: stream, index: index, info: info, page: page, tables: trackTables)
        // Its writer fills the newest page; only older ones go.
        track.dataPageRecord = UInt64.max
        pushed[index] = track
        return track
    }

    /// Changes which kinds of readers see a track (a process's `target_mask`, or its source
    /// tracks' masks undone when it ends).
    public func setMask(_ mask: UInt8, track index: Int) {
        guard index >= 0 && index < tracks.count else { return }
        tables.trackList.setInt(tables.valid, UInt64(tracks[index].index), UInt64(mask))
    }

    /// Appends one packet to a track. Live packets older than the track's last are refused, as is
    /// anything before a video track's first keyframe; non-video tracks get a key every 2047 ms.
    public func append(
        track index: Int, time: UInt64, offset: Int64 = 0, bytePosition: UInt64 = 0, keyframe: Bool,
        data: UnsafeRawBufferPointer
    ) throws(StreamWriteError) {
        let (track, isKey) = try admit(track: index, time: time, keyframe: keyframe)
        let t = track.tables
        if isKey { try startKey(track, time: time) }
        let length = try track.writePacket(
            time: time, offset: offset, bytePosition: bytePosition, keyframe: isKey, data: data)
        updateMeta(
            track, time: time, offset: offset, bytePosition: bytePosition, keyframe: isKey,
            dataSize: data.count, packetSize: length)
        if isKey && isLive && bufferWindow > 0 {
            while t.keys.endPosition - t.keys.deleted > 2,
                time &- t.keys.int(t.keyTime, t.keys.deleted + 1) > bufferWindow
            {
                track.evictOldestKey()
            }
        }
    }

    /// The track a packet goes to and whether it starts a key; refuses a packet older than the
    /// track's last, and anything before a video track's first keyframe.
    private func admit(track index: Int, time: UInt64, keyframe: Bool) throws(StreamWriteError) -> (
        TrackWriter, Bool
    ) {
        guard tracks.indices.contains(index) else { throw .noSuchTrack(index) }
        let track = tracks[index]
        let t = track.tables
        if track.hasPackets && time < track.lastTime {
            throw .outOfOrder(track: index, time: time, last: track.lastTime)
        }
        if !track.isVideo {
            let lastKeyTime = t.keys.endPosition > 0 ? t.keys.int(t.keyTime, t.keys.endPosition - 1) : 0
            return (track, t.keys.endPosition == t.keys.deleted || time &- lastKeyTime >= MetaLayout.audioKeyInterval)
        }
        if t.keys.endPosition == 0 && !keyframe { throw .noKeyframeYet(track: index) }
        return (track, keyframe)
    }

    /// Where `plan` put a packet: its data page's record, and whether it starts a key (audio
    /// and other tracks get keys by time), which the packet must say when its page is loaded.
    public struct PlannedPacket: Sendable {
        public var page: UInt64
        public var isKey: Bool
    }

    /// Adds one packet to a file track's metadata without its data: pages are laid out as
    /// `append` would fill them, but stay unloaded (`avail` 0) until `loadPage` fills one, so a
    /// file's pages can be loaded as viewers need them and freed when nobody does.
    public func plan(
        track index: Int, time: UInt64, offset: Int64 = 0, bytePosition: UInt64 = 0, keyframe: Bool, size: Int
    ) throws(StreamWriteError) -> PlannedPacket {
        guard !isLive else { throw .noSuchTrack(index) }
        let (track, isKey) = try admit(track: index, time: time, keyframe: keyframe)
        if isKey { try startKey(track, time: time, planned: true) }
        let length = TrackWriter.packetLength(
            offset: offset, bytePosition: bytePosition, keyframe: isKey, dataCount: size)
        guard track.plannedBytes + length <= MetaLayout.dataPageSize else { throw .packetTooLarge(size) }
        track.plannedBytes += length
        updateMeta(
            track, time: time, offset: offset, bytePosition: bytePosition, keyframe: isKey, dataSize: size,
            packetSize: length)
        return PlannedPacket(page: track.dataPageRecord, isKey: isKey)
    }

    /// Loads planned page `page` of a track: `fill` writes its packets, in order, through the
    /// writer it is given (time, offset, byte position, key, data). Nothing happens to a page
    /// that is loaded already; returns the bytes written.
    @discardableResult
    public func loadPage(
        track index: Int, page: UInt64,
        fill: (_ write: (UInt64, Int64, UInt64, Bool, UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws -> Int {
        guard tracks.indices.contains(index) else { throw StreamWriteError.noSuchTrack(index) }
        return try tracks[index].loadPage(page, fill: fill)
    }

    /// Frees a loaded planned page; it can be loaded again.
    public func unloadPage(track index: Int, page: UInt64) {
        guard tracks.indices.contains(index) else { return }
        tracks[index].unloadPage(page)
    }

    /// Whether a track's page is in memory.
    public func isLoaded(track index: Int, page: UInt64) -> Bool {
        guard tracks.indices.contains(index) else { return false }
        let t = tracks[index].tables
        return t.pages.presentRange.contains(page) && t.pages.int(t.pageAvail, page) != 0
    }

    /// A track's page records.
    public func pages(of index: Int) -> Range<UInt64> {
        guard tracks.indices.contains(index) else { return 0..<0 }
        return tracks[index].tables.pages.presentRange
    }

    /// The page record that holds key `key` of a track.
    public func page(track index: Int, key: UInt64) -> UInt64? {
        guard tracks.indices.contains(index) else { return nil }
        return tracks[index].tables.pageIndex(forKey: key)
    }

    /// What the stream's readers are at: a track and key number per reader and track.
    public func wantedKeys() -> [(track: Int, key: UInt64)] { users.activeKeys() }

    /// Page bookkeeping at a key: opens the first data page, or the next one once the current one
    /// holds 8 MiB or 60 s, then counts the key on it.
    private func startKey(_ track: TrackWriter, time: UInt64, planned: Bool = false) throws(StreamWriteError) {
        let t = track.tables
        let pages = t.pages
        if track.dataPage == nil && (!planned || pages.endPosition == pages.deleted) {
            try track.openDataPage(firstKey: t.keys.endPosition, time: time, planned: planned)
        } else {
            let record = track.dataPageRecord
            let avail = planned ? UInt64(track.plannedBytes) : pages.int(t.pageAvail, record)
            let firstTime = pages.int(t.pageFirstTime, record)
            if avail > UInt64(MetaLayout.flipPageBytes) || time &- firstTime > MetaLayout.flipPageDuration {
                var partCount: UInt64 = 0
                let firstKey = pages.int(t.pageFirstKey, record)
                let keyCount = pages.int(t.pageKeyCount, record)
                for key in firstKey..<(firstKey + keyCount) where t.keys.isAvailable(key) {
                    partCount += t.keys.int(t.keyParts, key)
                }
                pages.setInt(t.pageParts, record, partCount)
                try track.openDataPage(firstKey: firstKey + keyCount, time: time, planned: planned)
            }
        }
        let record = track.dataPageRecord
        pages.setInt(t.pageLastKeyTime, record, time)
        pages.setInt(t.pageKeyCount, record, pages.int(t.pageKeyCount, record) + 1)
    }

    /// The part, key and fragment tables and the track's times and bit rates, as MistServer's
    /// metadata update keeps them.
    private func updateMeta(
        _ track: TrackWriter, time: UInt64, offset: Int64, bytePosition: UInt64, keyframe: Bool, dataSize: Int,
        packetSize: Int
    ) {
        let t = track.tables
        let parts = t.parts
        let keys = t.keys
        let fragments = t.fragments
        while parts.endPosition - parts.deleted >= UInt64(parts.recordCount)
            || (keyframe
                && keys.endPosition - keys.deleted >= UInt64(keys.recordCount))
        {
            track.evictOldestKey()
            if keys.endPosition - keys.deleted <= 1 { break }
        }
        let part = parts.endPosition
        parts.setInt(t.partSize, part, UInt64(dataSize))
        parts.setInt(t.partOffset, part, UInt64(bitPattern: offset))
        if track.hasPackets && part > parts.deleted {
            let duration = time - track.lastTime
            parts.setInt(t.partDuration, part - 1, duration)
            parts.setInt(t.partDuration, part, duration)
        } else {
            parts.setInt(t.partDuration, part, 0)
            if !track.hasPackets { t.track.setInt(t.firstms, 0, time) }
        }
        parts.addRecords(1)

        if keyframe {
            let key = keys.endPosition
            keys.setInt(t.keyBytePosition, key, bytePosition)
            keys.setInt(t.keyTime, key, time)
            keys.setInt(t.keyParts, key, 0)
            keys.setInt(t.keyDuration, key, 0)
            keys.setInt(t.keySize, key, 0)
            keys.setInt(t.keyNumber, key, key)
            if key > keys.deleted {
                keys.setInt(t.keyFirstPart, key, keys.int(t.keyFirstPart, key - 1) + keys.int(t.keyParts, key - 1))
                keys.setInt(t.keyDuration, key - 1, time - keys.int(t.keyTime, key - 1))
            } else {
                keys.setInt(t.keyFirstPart, key, part)
            }
            keys.addRecords(1)
            t.track.setInt(t.firstms, 0, keys.int(t.keyTime, keys.deleted))

            let fragment = fragments.endPosition
            let lastFragment = fragment > fragments.deleted ? fragment - 1 : nil
            let minimumDuration: UInt64 = 1900
            if let lastFragment {
                let fragmentStart = keys.int(t.keyTime, fragments.int(t.fragmentFirstKey, lastFragment))
                if time >= fragmentStart.addingClamped(minimumDuration) {
                    closeFragment(t, lastFragment, time: time, fragmentStart: fragmentStart)
                    openFragment(t, key: key)
                } else {
                    fragments.setInt(t.fragmentKeys, lastFragment, fragments.int(t.fragmentKeys, lastFragment) + 1)
                }
            } else {
                openFragment(t, key: key)
            }
        } else if keys.endPosition > keys.deleted {
            let last = keys.endPosition - 1
            keys.setInt(t.keyDuration, last, time - keys.int(t.keyTime, last))
        }
        if keys.endPosition > keys.deleted {
            let last = keys.endPosition - 1
            keys.setInt(t.keyParts, last, keys.int(t.keyParts, last) + 1)
            keys.setInt(t.keySize, last, keys.int(t.keySize, last) + UInt64(packetSize))
        }
        if fragments.endPosition > fragments.deleted {
            let last = fragments.endPosition - 1
            fragments.setInt(t.fragmentSize, last, fragments.int(t.fragmentSize, last) + UInt64(dataSize))
        }
        t.track.setInt(t.lastms, 0, time)
        t.track.setInt(t.nowms, 0, time)
        // MistServer's buffers drop a track whose `lastupdate` (monotonic seconds) falls behind.
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        tables.trackList.setInt(tables.lastUpdate, UInt64(track.index), UInt64(clamping: Int64(clock.tv_sec)))
        track.lastTime = time
        track.hasPackets = true
    }

    private func openFragment(_ t: TrackTables, key: UInt64) {
        let fragments = t.fragments
        if fragments.endPosition - fragments.deleted >= UInt64(fragments.recordCount) { fragments.deleteRecords(1) }
        let fragment = fragments.endPosition
        fragments.setInt(t.fragmentFirstKey, fragment, key)
        fragments.setInt(t.fragmentDuration, fragment, 0)
        fragments.setInt(t.fragmentSize, fragment, 0)
        fragments.setInt(t.fragmentKeys, fragment, 1)
        fragments.addRecords(1)
    }

    private func closeFragment(_ t: TrackTables, _ fragment: UInt64, time: UInt64, fragmentStart: UInt64) {
        let fragments = t.fragments
        let duration = time - fragmentStart
        fragments.setInt(t.fragmentDuration, fragment, duration)
        var bytes: UInt64 = 0
        var total: UInt64 = 0
        for index in fragments.deleted...fragment {
            bytes += fragments.int(t.fragmentSize, index)
            total += fragments.int(t.fragmentDuration, index)
        }
        if total > 0 { t.track.setInt(t.bps, 0, bytes * 1000 / total) }
        if duration > 0 {
            let peak = fragments.int(t.fragmentSize, fragment) * 1000 / duration
            if peak > t.track.int(t.maxbps, 0) { t.track.setInt(t.maxbps, 0, peak) }
        }
    }

    /// Marks the stream as ending, removes every page and releases the stream. An attached
    /// writer only lets go: its source records end, and the buffer removes its tracks.
    public func close() {
        guard !closed else { return }
        closed = true
        if isAttached {
            for record in sourceRecords { users.unregister(record) }
            for track in tracks { track.detach() }
            tracks.removeAll()
            metaPage.close()
            return
        }
        status = .shuttingDown
        tables.stream.setExit()
        for (index, _) in pushedTracks() { dropPushedTrack(index) }
        for track in tracks { track.removeAll() }
        tracks.removeAll()
        for track in pushed.values { track.removeAll() }
        pushed.removeAll()
        metaPage.close()
        users.close()
        statePage?.close()
        pidPage?.close()
        inputLock?.post()
        NamedSemaphore.unlink(StreamPageNames.inputSemaphore(stream))
        NamedSemaphore.unlink(StreamPageNames.trackListSemaphore(stream))
        // The starters' lock: a starter still holding it keeps its own handle, and the next one
        // makes a new semaphore, so nothing of the stream outlives it.
        NamedSemaphore.unlink(StreamPageNames.startSemaphore(stream))
    }

    deinit { close() }
}
