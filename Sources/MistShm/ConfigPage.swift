import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// A JSON value the controller publishes for other processes, in MistServer's layout: a record
/// table with one `dtsc_data` record holding the value as DTMI.
public enum ConfigPage {
    /// Publishes `value` under `name`, replacing an earlier version in one step: the new page is
    /// filled under a temporary name and renamed over the old one, so a reader sees either.
    public static func write(_ value: JSONValue, to name: String) throws(SharedMemoryError) {
        let encoded: [UInt8]
        do {
            encoded = try DTMIEncoder.encode(value)
        } catch {
            throw .corrupt("cannot encode \(name): \(error)")
        }
        let fields: [(name: String, type: RecordFieldType, size: UInt32?)] = [
            ("dtsc_data", .dtsc, UInt32(encoded.count))
        ]
        let size = RecordTable.requiredSize(fields: fields, recordCount: 1) + 100
        try SharedMemoryPage.publish(name, size: size) { base throws(SharedMemoryError) in
            let table = try RecordTable(creating: base, capacity: size, fields: fields, recordCount: 1)
            table.setBytes(try table.field("dtsc_data"), 0, encoded)
            table.addRecords(1)
            table.setReady()
        }
    }

    /// The value published under `name`; nil when there is none or it is unreadable.
    public static func read(_ name: String) -> JSONValue? {
        guard let page = try? SharedMemoryPage(opening: name, writable: false) else { return nil }
        defer { page.close() }
        guard let table = try? RecordTable(reading: page.base, capacity: page.size), table.isReady,
            let field = try? table.field("dtsc_data"), table.isAvailable(0)
        else { return nil }
        let start = table.pointer(field, 0)
        let buffer = UnsafeRawBufferPointer(start: start, count: Int(field.size))
        return try? DTMIScan(buffer: buffer).decode()
    }

    /// Withdraws a published value.
    public static func remove(_ name: String) {
        _ = SharedMemoryPage.unlink(name)
    }
}
