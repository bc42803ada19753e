import CShim

#if canImport(Glibc)
    import Glibc
#endif

/// The input side of one track: its metadata page, the data page being filled, and the
/// bookkeeping MistServer's inputs keep per track.
final class TrackWriter {
    let stream: String
    let index: Int
    let info: TrackInfo
    let page: SharedMemoryPage
    let tables: TrackTables
    /// The data page being written, and its record in the pages table.
    var dataPage: SharedMemoryPage?
    var dataPageRecord: UInt64 = 0
    var lastTime: UInt64 = 0
    var hasPackets = false
    /// Bytes the packets planned so far take on the current page (pages loaded on demand).
    var plannedBytes = 0

    init(stream: String, index: Int, info: TrackInfo, page: SharedMemoryPage, tables: TrackTables) {
        self.stream = stream
        self.index = index
        self.info = info
        self.page = page
        self.tables = tables
    }

    var isVideo: Bool { info.type == "video" }

    /// Starts a new data page whose first key is `firstKey`; a planned page (loaded on demand)
    /// gets its record only.
    func openDataPage(firstKey: UInt64, time: UInt64, planned: Bool = false) throws(StreamWriteError) {
        let pages = tables.pages
        if pages.endPosition - pages.deleted >= UInt64(pages.recordCount) { evictOldestPage() }
        if let dataPage {
            // Readers may still be on the finished page: unmap it, but leave it in place.
            dataPage.isOwner = false
            dataPage.close()
            self.dataPage = nil
        }
        let record = pages.endPosition
        pages.setInt(tables.pageFirstKey, record, firstKey)
        pages.setInt(tables.pageFirstTime, record, time)
        pages.setInt(tables.pageSize, record, UInt64(MetaLayout.dataPageSize))
        pages.setInt(tables.pageKeyCount, record, 0)
        pages.setInt(tables.pageAvail, record, 0)
        pages.setInt(tables.pageParts, record, 0)
        pages.setInt(tables.pageLastKeyTime, record, 0)
        dataPageRecord = record
        plannedBytes = 0
        if !planned {
            let name = StreamPageNames.data(stream, track: index, page: UInt32(truncatingIfNeeded: firstKey))
            do {
                dataPage = try SharedMemoryPage(creating: name, size: MetaLayout.dataPageSize)
            } catch {
                throw .sharedMemory(error)
            }
        }
        pages.addRecords(1)
    }

    /// The bytes a DTP2 packet takes on a page.
    static func packetLength(offset: Int64, bytePosition: UInt64, keyframe: Bool, dataCount: Int) -> Int {
        24 + (offset != 0 ? 17 : 0) + (bytePosition != 0 ? 15 : 0) + (keyframe ? 19 : 0) + dataCount + 11
    }

    /// Fills planned page `record` with its packets (`fill` hands each to the given writer, in
    /// order), then publishes it whole: readers see a page with `avail` 0 as not loaded, so they
    /// never read one half-written. Returns the bytes written.
    @discardableResult
    func loadPage(
        _ record: UInt64,
        fill: (_ write: (UInt64, Int64, UInt64, Bool, UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws -> Int {
        let pages = tables.pages
        guard pages.presentRange.contains(record), pages.int(tables.pageAvail, record) == 0 else { return 0 }
        let number = UInt32(truncatingIfNeeded: pages.int(tables.pageFirstKey, record))
        let name = StreamPageNames.data(stream, track: index, page: number)
        SharedMemoryPage.unlink(name)
        let page: SharedMemoryPage
        do {
            page = try SharedMemoryPage(creating: name, size: MetaLayout.dataPageSize)
        } catch {
            throw StreamWriteError.sharedMemory(error)
        }
        // The object stays when this mapping goes; unloadPage or removeAll unlink it.
        defer {
            page.isOwner = false
            page.close()
        }
        var used = 0
        try fill { time, offset, bytePosition, keyframe, data in
            used += try TrackWriter.encodePacket(
                into: page, at: used, track: index, time: time, offset: offset, bytePosition: bytePosition,
                keyframe: keyframe, data: data)
        }
        mist_fence_release()
        pages.setInt(tables.pageAvail, record, UInt64(used))
        return used
    }

    /// Takes planned page `record` out of memory; readers that still map it keep their copy.
    func unloadPage(_ record: UInt64) {
        let pages = tables.pages
        guard pages.presentRange.contains(record) else { return }
        pages.setInt(tables.pageAvail, record, 0)
        mist_fence_release()
        let number = UInt32(truncatingIfNeeded: pages.int(tables.pageFirstKey, record))
        SharedMemoryPage.unlink(StreamPageNames.data(stream, track: index, page: number))
    }

    /// Writes one DTP2 packet at the end of the current data page and publishes it through the
    /// page's `avail`, so readers never see a half-written packet.
    func writePacket(
        time: UInt64, offset: Int64, bytePosition: UInt64, keyframe: Bool, data: UnsafeRawBufferPointer
    ) throws(StreamWriteError) -> Int {
        guard let dataPage else { throw .noKeyframeYet(track: index) }
        let pages = tables.pages
        let start = Int(clamping: pages.int(tables.pageAvail, dataPageRecord))
        let length = try TrackWriter.encodePacket(
            into: dataPage, at: start, track: index, time: time, offset: offset, bytePosition: bytePosition,
            keyframe: keyframe, data: data)
        mist_fence_release()
        pages.setInt(tables.pageAvail, dataPageRecord, UInt64(start + length))
        return length
    }

    /// Writes one DTP2 packet at `start` of `page`: body first, then the header, then the magic.
    static func encodePacket(
        into page: SharedMemoryPage, at start: Int, track index: Int, time: UInt64, offset: Int64,
        bytePosition: UInt64, keyframe: Bool, data: UnsafeRawBufferPointer
    ) throws(StreamWriteError) -> Int {
        let length = packetLength(offset: offset, bytePosition: bytePosition, keyframe: keyframe, dataCount: data.count)
        guard start + length <= page.size else { throw .packetTooLarge(data.count) }
        let out = page.base + start
        var position = 20
        func put(_ bytes: [UInt8]) {
            UnsafeMutableRawBufferPointer(start: out + position, count: bytes.count).copyBytes(from: bytes)
            position += bytes.count
        }
        func putInt(_ value: UInt64) {
            (out + position).storeBytes(of: value.bigEndian, as: UInt64.self)
            position += 8
        }
        put(PacketTags.objectStart)
        if offset != 0 {
            put(PacketTags.offset)
            putInt(UInt64(bitPattern: offset))
        }
        if bytePosition != 0 {
            put(PacketTags.bytePosition)
            putInt(bytePosition)
        }
        if keyframe {
            put(PacketTags.keyframe)
            putInt(1)
        }
        put(PacketTags.data)
        (out + position).storeBytes(of: UInt32(data.count).bigEndian, as: UInt32.self)
        position += 4
        if data.count > 0, let source = data.baseAddress {
            (out + position).copyMemory(from: source, byteCount: data.count)
        }
        position += data.count
        put(PacketTags.objectEnd)
        (out + 12).storeBytes(of: time.bigEndian, as: UInt64.self)
        (out + 8).storeBytes(of: UInt32(index).bigEndian, as: UInt32.self)
        (out + 4).storeBytes(of: UInt32(length - 8).bigEndian, as: UInt32.self)
        mist_fence_release()
        UnsafeMutableRawBufferPointer(start: out, count: 4).copyBytes(from: PacketTags.magic)
        return length
    }

    /// Drops the oldest key with its parts, and the fragments and data pages left without keys.
    func evictOldestKey() {
        let keys = tables.keys
        guard keys.endPosition - keys.deleted > 1 else { return }
        let oldest = keys.deleted
        let partCount = keys.int(tables.keyParts, oldest)
        let parts = tables.parts
        let removableParts = min(partCount, parts.endPosition - parts.deleted)
        parts.deleteRecords(UInt32(removableParts))
        keys.deleteRecords(1)
        tables.track.setInt(tables.firstms, 0, keys.int(tables.keyTime, keys.deleted))

        let fragments = tables.fragments
        while fragments.endPosition - fragments.deleted > 1 {
            let first = fragments.deleted
            let end = fragments.int(tables.fragmentFirstKey, first) + fragments.int(tables.fragmentKeys, first)
            guard end <= keys.deleted else { break }
            fragments.deleteRecords(1)
        }
        let pages = tables.pages
        while pages.endPosition - pages.deleted > 1 {
            let first = pages.deleted
            let end = pages.int(tables.pageFirstKey, first) + pages.int(tables.pageKeyCount, first)
            guard end <= keys.deleted, first != dataPageRecord else { break }
            evictOldestPage()
        }
    }

    /// Removes the oldest data page and its record.
    func evictOldestPage() {
        let pages = tables.pages
        guard pages.endPosition > pages.deleted else { return }
        let first = pages.deleted
        let number = UInt32(truncatingIfNeeded: pages.int(tables.pageFirstKey, first))
        SharedMemoryPage.unlink(StreamPageNames.data(stream, track: index, page: number))
        pages.deleteRecords(1)
    }

    /// Removes every data page and the track page.
    /// Lets go of the track without removing anything: the stream's buffer owns its pages.
    func detach() {
        dataPage?.isOwner = false
        dataPage?.close()
        dataPage = nil
        page.isOwner = false
        page.close()
    }

    func removeAll() {
        let pages = tables.pages
        for record in pages.presentRange {
            let number = UInt32(truncatingIfNeeded: pages.int(tables.pageFirstKey, record))
            SharedMemoryPage.unlink(StreamPageNames.data(stream, track: index, page: number))
        }
        dataPage?.close()
        dataPage = nil
        page.isOwner = true
        page.close()
    }
}
