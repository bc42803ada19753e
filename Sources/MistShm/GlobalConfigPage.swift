import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// MistServer's server-wide settings page, `/MstGlobalConfig`: a record table of one record whose
/// fields every process reads (session modes, token mode, the UDP API address, the default
/// stream, the boot time that live timestamps count from).
public enum GlobalConfigPage {
    public static let name = "/MstGlobalConfig"

    /// The fields, in MistServer's order, types and sizes (controller_storage.cpp).
    public static let fields: [(name: String, type: RecordFieldType, size: UInt32?)] = [
        ("defaultStream", .string, 128), ("systemBoot", .unsigned, 8), ("sessionViewerMode", .unsigned, 8),
        ("sessionInputMode", .unsigned, 8), ("sessionOutputMode", .unsigned, 8),
        ("sessionUnspecifiedMode", .unsigned, 8), ("sessionStreamInfoMode", .unsigned, 8),
        ("tknMode", .unsigned, 8), ("udpApi", .string, 128), ("iid", .string, 64), ("hrn", .string, 128),
    ]
    /// MistServer makes the page 4 KiB.
    static let size = 4096

    /// Publishes `values` (integers for the integer fields, strings for the others; missing ones
    /// are zero or empty).
    public static func write(_ values: JSONValue, to pageName: String = name) throws(SharedMemoryError) {
        try SharedMemoryPage.publish(pageName, size: size) { base throws(SharedMemoryError) in
            let table = try RecordTable(creating: base, capacity: size, fields: fields, recordCount: 1)
            for definition in fields {
                let field = try table.field(definition.name)
                let value = values[definition.name]
                if definition.type == .string {
                    table.setBytes(field, 0, Array((value.stringValue ?? "").utf8))
                } else {
                    table.setInt(field, 0, UInt64(bitPattern: value.intValue ?? 0))
                }
            }
            table.endPosition = 1
            table.setReady()
        }
    }

    /// Every field of the page (integers and strings), or nil when there is none or it is not ready.
    public static func read(_ pageName: String = name) -> JSONValue? {
        guard let page = try? SharedMemoryPage(opening: pageName, writable: false) else { return nil }
        defer { page.close() }
        guard let table = try? RecordTable(reading: page.base, capacity: page.size), table.isReady else { return nil }
        var values = JSONValue.emptyObject
        for (fieldName, field) in table.fields {
            switch field.type {
            case .string, .raw: values[fieldName] = .string(table.string(field, 0))
            case .unsigned: values[fieldName] = .int(Int64(clamping: table.int(field, 0)))
            case .signed: values[fieldName] = .int(Int64(bitPattern: table.int(field, 0)))
            default: break
            }
        }
        return values
    }

    /// MistServer's boot time: the wall clock in milliseconds minus the monotonic clock, which
    /// live streams' `bootmsoffset` values count from.
    public static func systemBoot() -> Int64 {
        var wall = timespec()
        var monotonic = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        clock_gettime(CLOCK_MONOTONIC, &monotonic)
        let seconds = Int64(wall.tv_sec) - Int64(monotonic.tv_sec)
        let nanoseconds = Int64(wall.tv_nsec) - Int64(monotonic.tv_nsec)
        return seconds * 1000 + nanoseconds / 1_000_000
    }
}
