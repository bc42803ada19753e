import CShim
import MistData

/// A reader's position in one track: the data page it maps and the offset of its next packet.
final class TrackCursor {
    let stream: String
    let index: Int
    let page: SharedMemoryPage
    let tables: TrackTables
    var dataPage: SharedMemoryPage?
    var pageRecord: UInt64 = 0
    var offset = 0
    /// Packets before this time are skipped (after a seek).
    var skipBefore: UInt64 = 0
    /// The packet `peek` found last, kept until `advance` so it is validated once.
    private var peeked: DTSCPacket?
    /// The page record the cursor waits for while it is not loaded (`avail` 0).
    private var wanted: UInt64?
    /// This reader's record in the users table, where it tells the input which key it is at.
    private var user: (users: StreamUsers, record: UInt64)?
    /// The page last reported there.
    private var reported: UInt64?

    init(stream: String, index: Int, page: SharedMemoryPage, tables: TrackTables) {
        self.stream = stream
        self.index = index
        self.page = page
        self.tables = tables
    }

    var lastMs: UInt64 { tables.track.int(tables.lastms, 0) }

    /// A metadata track (a pushed stream's onMetaData track, say): sparse by nature, so the
    /// other tracks do not wait for it to catch up.
    lazy var isMetadata: Bool = tables.track.string(tables.type, 0) == "meta"

    /// Positions the cursor at the start of the page holding key `key` (or the oldest page).
    func position(atKey key: UInt64, skippingBefore time: UInt64) throws(SharedMemoryError) {
        let pages = tables.pages
        dataPage = nil
        wanted = nil
        peeked = nil
        skipBefore = time
        guard pages.endPosition > pages.deleted else { return }
        let record = tables.pageIndex(forKey: key) ?? pages.deleted
        if try !open(record) { wanted = record }
    }

    /// Gives the cursor its users-table record.
    func attach(_ users: StreamUsers, record: UInt64) {
        user = (users, record)
        reported = nil
    }

    /// Tells the input the first key of page `record`, which this reader reads or waits for.
    /// Only reading reports, so a reader that is positioned and moved again (a seek) asks for
    /// the page it ends up at only.
    private func report(_ record: UInt64) {
        guard let user, reported != record else { return }
        reported = record
        user.users.setKey(user.record, tables.pages.int(tables.pageFirstKey, record))
    }

    /// Maps page `record` if it is loaded (false if not: the input loads it once told); a page
    /// is loaded once its `avail` is set, all of it at once for files.
    private func open(_ record: UInt64) throws(SharedMemoryError) -> Bool {
        let pages = tables.pages
        guard pages.int(tables.pageAvail, record) > 0 else { return false }
        mist_fence_acquire()
        let number = UInt32(truncatingIfNeeded: pages.int(tables.pageFirstKey, record))
        let name = StreamPageNames.data(stream, track: index, page: number)
        dataPage = try PageMappings.readOnly(name)
        pageRecord = record
        offset = 0
        peeked = nil
        wanted = nil
        return true
    }

    /// While the cursor waits for a page to be loaded: that page's first time. Packets of other
    /// tracks before it can go first; later ones wait for it.
    var waitingFrom: UInt64? {
        guard let wanted, dataPage == nil, tables.pages.presentRange.contains(wanted) else { return nil }
        return tables.pages.int(tables.pageFirstTime, wanted)
    }

    /// Whether everything written to this track has been read: the cursor sits at the end of its
    /// last page. For a file stream that means the track is over.
    var isExhausted: Bool {
        guard peeked == nil, let dataPage else { return tables.pages.endPosition == tables.pages.deleted }
        let pages = tables.pages
        let avail = min(Int(clamping: pages.int(tables.pageAvail, pageRecord)), dataPage.size)
        return pageRecord + 1 >= pages.endPosition && offset >= avail
    }

    /// The next packet of this track if it has been written, moving to the next data page when
    /// this one is done. Packets before `skipBefore` are passed over.
    func peek() throws(DTMIError) -> DTSCPacket? {
        if let peeked { return peeked }
        defer { if let page = wanted ?? (dataPage != nil ? pageRecord : nil) { report(page) } }
        while true {
            guard let dataPage else {
                let pages = tables.pages
                guard pages.endPosition > pages.deleted else { return nil }
                let record = max(wanted ?? pages.deleted, pages.deleted)
                wanted = record
                do {
                    guard try open(record) else { return nil }
                } catch {
                    return nil
                }
                continue
            }
            let pages = tables.pages
            let avail = min(Int(clamping: pages.int(tables.pageAvail, pageRecord)), dataPage.size)
            mist_fence_acquire()
            if offset < avail {
                let buffer = UnsafeRawBufferPointer(start: dataPage.base + offset, count: avail - offset)
                let packet = try DTSCPacket(buffer)
                if packet.time < skipBefore {
                    offset += packet.frameLength
                    continue
                }
                peeked = packet
                return packet
            }
            // At the end of what is written: go on to the next page once one exists.
            let next = max(pageRecord + 1, pages.deleted)
            guard next < pages.endPosition else { return nil }
            do {
                guard try open(next) else {
                    self.dataPage = nil
                    wanted = next
                    return nil
                }
            } catch {
                return nil
            }
        }
    }

    /// Moves past the packet `peek` returned.
    func advance(by length: Int) {
        offset += length
        peeked = nil
    }
}
