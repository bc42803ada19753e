import CShim

#if canImport(Glibc)
    import Glibc
#endif

/// A stream's users table (`/MstUser<stream>`): every output reading the stream holds a record
/// per track it reads, so the input knows it has viewers. Layout as MistServer's: a record table
/// of `status`, `pid`, `track` and `keynum`, guarded by the `/MstSemUser<stream>` semaphore.
public final class StreamUsers: @unchecked Sendable {
    public static let pageSize = 512 * 1024
    static let fields: MetaLayout.Fields = [
        ("status", .unsigned, 1), ("pid", .unsigned, 8), ("track", .unsigned, 8), ("keynum", .unsigned, 8),
    ]

    public static func pageName(_ stream: String) -> String { "/MstUser" + stream }
    public static func semaphoreName(_ stream: String) -> String { "/MstSemUser" + stream }

    public let stream: String
    let page: SharedMemoryPage
    let table: RecordTable
    let status, pid, track, keyNumber: RecordField

    private init(stream: String, page: SharedMemoryPage, table: RecordTable) throws(SharedMemoryError) {
        self.stream = stream
        self.page = page
        self.table = table
        status = try table.field("status")
        pid = try table.field("pid")
        track = try table.field("track")
        keyNumber = try table.field("keynum")
    }

    /// Creates the table for an input (the owner, which removes it when closed).
    public static func create(stream: String) throws(SharedMemoryError) -> StreamUsers {
        let page = try SharedMemoryPage(creating: pageName(stream), size: pageSize)
        let recordSize =
            RecordTable.requiredSize(fields: fields, recordCount: 1)
            - RecordTable.requiredSize(fields: fields, recordCount: 0)
        let count = UInt32((pageSize - RecordTable.requiredSize(fields: fields, recordCount: 0)) / recordSize)
        let table = try RecordTable(creating: page.base, capacity: page.size, fields: fields, recordCount: count)
        table.endPosition = 1
        table.setReady()
        return try StreamUsers(stream: stream, page: page, table: table)
    }

    /// Opens an input's table, for outputs to register in.
    public static func open(stream: String) throws(SharedMemoryError) -> StreamUsers {
        let page = try SharedMemoryPage(opening: pageName(stream))
        let table = try RecordTable(reading: page.base, capacity: page.size)
        return try StreamUsers(stream: stream, page: page, table: table)
    }

    /// Registers the calling process as a user of `trackIndex`; returns the record, or nil when the
    /// table is full or its semaphore is unavailable.
    public func register(track trackIndex: Int, flags: UInt8 = 0) -> UInt64? {
        guard let lock = try? NamedSemaphore(StreamUsers.semaphoreName(stream)) else {
            return nil
        }
        guard lock.wait(milliseconds: 1000) else { return nil }
        defer { lock.post() }
        for record in 0..<UInt64(table.recordCount) where table.int(status, record) == UInt64(UserStatus.invalid) {
            table.setInt(pid, record, UInt64(getpid()))
            table.setInt(track, record, UInt64(trackIndex))
            table.setInt(keyNumber, record, StreamUsers.noKey)
            mist_fence_release()
            table.setInt(status, record, UInt64(UserStatus.active | flags))
            if table.endPosition <= record { table.endPosition = record + 1 }
            return record
        }
        return nil
    }

    /// A record's key before its reader reads anything (MistServer's `INVALID_KEY_NUM`): the
    /// input loads nothing for it.
    public static let noKey = UInt64(UInt32.max)

    /// Tells the input which key of its track the record's reader is at (or waits for).
    public func setKey(_ record: UInt64, _ key: UInt64) {
        guard record < UInt64(table.recordCount) else { return }
        table.setInt(keyNumber, record, key)
    }

    /// The track and key of every active record.
    public func activeKeys() -> [(track: Int, key: UInt64)] {
        var result: [(track: Int, key: UInt64)] = []
        let end = min(table.endPosition, UInt64(table.recordCount))
        for record in 0..<end {
            let state = UInt8(truncatingIfNeeded: table.int(status, record))
            guard state != UserStatus.invalid, state & UserStatus.disconnected == 0 else { continue }
            let key = table.int(keyNumber, record)
            if key != StreamUsers.noKey { result.append((Int(clamping: table.int(track, record)), key)) }
        }
        return result
    }

    /// The source records (pushing processes, one per track they write): their pid, track,
    /// and whether they still count (not disconnected, process alive).
    public func sources() -> [(record: UInt64, pid: pid_t, track: Int, live: Bool)] {
        var result: [(record: UInt64, pid: pid_t, track: Int, live: Bool)] = []
        let end = min(table.endPosition, UInt64(table.recordCount))
        for record in 0..<end {
            let state = UInt8(truncatingIfNeeded: table.int(status, record))
            guard state != UserStatus.invalid, state & UserStatus.source != 0 else { continue }
            let owner = pid_t(truncatingIfNeeded: table.int(pid, record))
            let live = state & UserStatus.disconnected == 0 && (owner <= 0 || StreamCleanup.processIsAlive(owner))
            result.append((record, owner, Int(clamping: table.int(track, record)), live))
        }
        return result
    }

    /// Asks a record's process to disconnect (MistServer's REQDISCONNECT).
    public func requestDisconnect(_ record: UInt64) {
        let current = UInt8(truncatingIfNeeded: table.int(status, record))
        table.setInt(status, record, UInt64(current | UserStatus.requestDisconnect))
    }

    /// Marks a record as disconnected; the input frees it.
    public func unregister(_ record: UInt64) {
        let current = UInt8(truncatingIfNeeded: table.int(status, record))
        table.setInt(status, record, UInt64(current | UserStatus.disconnected))
    }

    /// Sweeps the table as an input does: records of dead processes become disconnected,
    /// disconnected ones are freed. Returns how many users count as viewers.
    public func sweep() -> Int {
        var viewers = 0
        let end = min(table.endPosition, UInt64(table.recordCount))
        for record in 0..<end {
            var state = UInt8(truncatingIfNeeded: table.int(status, record))
            guard state != UserStatus.invalid else { continue }
            let owner = pid_t(truncatingIfNeeded: table.int(pid, record))
            if state & UserStatus.disconnected == 0 && owner > 0 && !StreamCleanup.processIsAlive(owner) {
                state |= UserStatus.disconnected
            }
            if state & UserStatus.disconnected != 0 {
                table.setInt(status, record, UInt64(UserStatus.invalid))
                continue
            }
            if state & (UserStatus.doNotTrack | UserStatus.source) == 0 { viewers += 1 }
        }
        return viewers
    }

    /// Removes the table (owner only).
    public func close() {
        page.close()
        if page.isOwner { NamedSemaphore.unlink(StreamUsers.semaphoreName(stream)) }
    }
}
