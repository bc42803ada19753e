/// MistServer's connection and session tables: `/MstSession<id>` (a record per connection of one
/// session, owned by that session's `MistSession` process) and `/MstStat` (a record per session,
/// owned by the controller, written by the `MistSession` processes).
public struct SessionTable: @unchecked Sendable {
    public static let statisticsName = "/MstStat"
    public static let statisticsSemaphore = "/MstSemStat"
    public static let statisticsSize = 16 * 1024 * 1024
    public static func sessionName(_ id: String) -> String { "/MstSession" + id }
    public static func sessionSemaphore(_ id: String) -> String { "/MstSemSess" + id }
    public static let sessionSize = 1024 * 1024

    /// The fields of a connection record, in MistServer's order (lib/comms.cpp).
    public static let connectionFields: [(name: String, type: RecordFieldType, size: UInt32?)] = [
        ("status", .unsigned, 1), ("pid", .unsigned, 8), ("now", .unsigned, 8), ("time", .unsigned, 8),
        ("lastsecond", .unsigned, 8), ("down", .unsigned, 8), ("up", .unsigned, 8), ("host", .raw, 16),
        ("stream", .string, 100), ("connector", .string, 20), ("pktcount", .unsigned, 8),
        ("pktloss", .unsigned, 8), ("pktretrans", .unsigned, 8),
    ]
    /// A session record adds its tags and id.
    public static let sessionFields = connectionFields + [("tags", .string, 512), ("sessid", .string, 80)]

    public let table: RecordTable
    private let fields: [RecordField]

    /// Makes a table in zeroed memory as MistServer's masters do: every slot free, the end
    /// position at 1, ready.
    public init(creating base: UnsafeMutableRawPointer, capacity: Int, sessions: Bool) throws(SharedMemoryError) {
        let definitions = sessions ? SessionTable.sessionFields : SessionTable.connectionFields
        let overhead = RecordTable.requiredSize(fields: definitions, recordCount: 0)
        let recordSize = RecordTable.requiredSize(fields: definitions, recordCount: 1) - overhead
        let table = try RecordTable(
            creating: base, capacity: capacity, fields: definitions,
            recordCount: UInt32((capacity - overhead) / recordSize))
        table.endPosition = 1
        table.present = 0
        table.setReady()
        try self.init(table)
    }

    /// Opens a table another process made.
    public init(reading base: UnsafeMutableRawPointer, capacity: Int) throws(SharedMemoryError) {
        try self.init(try RecordTable(reading: base, capacity: capacity))
    }

    private init(_ table: RecordTable) throws(SharedMemoryError) {
        self.table = table
        var fields: [RecordField] = []
        for definition in SessionTable.connectionFields { fields.append(try table.field(definition.name)) }
        if let tags = table.fields["tags"], let id = table.fields["sessid"] { fields += [tags, id] }
        self.fields = fields
    }

    public var slots: Int { Int(table.recordCount) }

    public func status(_ slot: Int) -> UInt8 { UInt8(truncatingIfNeeded: table.int(fields[0], UInt64(slot))) }
    public func setStatus(_ slot: Int, _ status: UInt8) { table.setInt(fields[0], UInt64(slot), UInt64(status)) }

    /// Record `slot`.
    public func record(_ slot: Int) -> SessionRecord {
        let number = UInt64(slot)
        var record = SessionRecord()
        record.status = status(slot)
        record.pid = table.int(fields[1], number)
        record.now = table.int(fields[2], number)
        record.time = table.int(fields[3], number)
        record.lastSecond = table.int(fields[4], number)
        record.down = table.int(fields[5], number)
        record.up = table.int(fields[6], number)
        record.host = Array(UnsafeRawBufferPointer(start: table.pointer(fields[7], number), count: 16))
        record.stream = table.string(fields[8], number)
        record.connector = table.string(fields[9], number)
        record.packets = table.int(fields[10], number)
        record.lost = table.int(fields[11], number)
        record.retransmitted = table.int(fields[12], number)
        if fields.count > 13 {
            record.tags = table.string(fields[13], number)
            record.sessionID = table.string(fields[14], number)
        }
        return record
    }

    /// Writes every field of record `slot` but its status (set last, with `setStatus`).
    public func write(_ slot: Int, _ record: SessionRecord) {
        let number = UInt64(slot)
        table.setInt(fields[1], number, record.pid)
        table.setInt(fields[2], number, record.now)
        table.setInt(fields[3], number, record.time)
        table.setInt(fields[4], number, record.lastSecond)
        table.setInt(fields[5], number, record.down)
        table.setInt(fields[6], number, record.up)
        table.setBytes(fields[7], number, record.host.prefix(16))
        table.setBytes(fields[8], number, Array(record.stream.utf8))
        table.setBytes(fields[9], number, Array(record.connector.utf8))
        table.setInt(fields[10], number, record.packets)
        table.setInt(fields[11], number, record.lost)
        table.setInt(fields[12], number, record.retransmitted)
        if fields.count > 13 {
            table.setBytes(fields[13], number, Array(record.tags.utf8))
            table.setBytes(fields[14], number, Array(record.sessionID.utf8))
        }
    }

    /// The slots in use, up to the end position (MistServer's readers stop there).
    public var usedSlots: Range<Int> { 0..<min(slots, Int(clamping: table.endPosition)) }

    /// Claims a free slot for a writer, as MistServer's writers do (the caller holds the table's
    /// semaphore): marks it active and moves the end position past it. Nil when full.
    public func claim() -> Int? {
        for slot in 0..<slots where status(slot) == 0 {
            write(slot, SessionRecord())
            setStatus(slot, SessionRecord.active)
            if table.endPosition <= UInt64(slot) { table.endPosition = UInt64(slot) + 1 }
            return slot
        }
        return nil
    }
}
