/// MistServer's push stream keys page, `/MstStrmKeys`: a 1 MiB record table of key and stream
/// name pairs, which every ingest consults.
public enum StreamKeysPage {
    public static let name = "/MstStrmKeys"
    static let size = 1024 * 1024
    static let fields: [(name: String, type: RecordFieldType, size: UInt32?)] = [
        ("key", .string, 256), ("stream", .string, 128),
    ]

    /// Publishes the keys (as many as fit, in key order).
    public static func write(_ keys: [String: String]) throws(SharedMemoryError) {
        let capacity = (size - RecordTable.requiredSize(fields: fields, recordCount: 0)) / (256 + 128)
        let kept = Array(keys.sorted { $0.key < $1.key }.prefix(capacity))
        try SharedMemoryPage.publish(name, size: size) { base throws(SharedMemoryError) in
            let table = try RecordTable(
                creating: base, capacity: size, fields: fields, recordCount: UInt32(kept.count))
            let key = try table.field("key")
            let stream = try table.field("stream")
            for (index, pair) in kept.enumerated() {
                table.setBytes(key, UInt64(index), Array(pair.key.utf8))
                table.setBytes(stream, UInt64(index), Array(pair.value.utf8))
            }
            table.endPosition = UInt64(kept.count)
            table.setReady()
        }
    }

    /// The stream a key pushes to; nil when no page or no such key.
    public static func stream(forKey wanted: String) -> String? {
        guard let page = try? SharedMemoryPage(opening: name, writable: false) else { return nil }
        defer { page.close() }
        guard let table = try? RecordTable(reading: page.base, capacity: page.size), table.isReady,
            let key = try? table.field("key"), let stream = try? table.field("stream")
        else { return nil }
        for number in 0..<UInt64(table.recordCount) where table.string(key, number) == wanted {
            return table.string(stream, number)
        }
        return nil
    }
}
