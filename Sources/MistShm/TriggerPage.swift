/// One handler as a trigger page stores it.
public struct TriggerPageEntry: Sendable, Equatable {
    public var url: String
    public var sync: Bool
    public var streams: [String]
    public var params: String
    public var defaultResponse: String

    public init(url: String, sync: Bool, streams: [String], params: String, defaultResponse: String) {
        self.url = url
        self.sync = sync
        self.streams = streams
        self.params = params
        self.defaultResponse = defaultResponse
    }
}

/// MistServer's trigger pages, `/MstTRGR<name>`: one 32 KiB record table per trigger name with a
/// record per handler (url, sync, a stream list, params, default answer). Every process that fires
/// a trigger reads the page of its name, so the controller of either code base configures the
/// triggers of the other's binaries.
public enum TriggerPage {
    public static func name(_ trigger: String) -> String { "/MstTRGR" + trigger }

    static let size = 32 * 1024
    static let fields: [(name: String, type: RecordFieldType, size: UInt32?)] = [
        ("url", .string, 128), ("sync", .unsigned, 1), ("streams", .raw, 256), ("params", .string, 128),
        ("default", .string, 128),
    ]

    /// How many handlers a page holds.
    public static var capacity: Int {
        (size - RecordTable.requiredSize(fields: fields, recordCount: 0)) / (128 + 1 + 256 + 128 + 128)
    }

    /// The stream list as MistServer packs it: each name with a 4-byte host-order length before it,
    /// a zero length after the last; cut at 256 bytes.
    public static func packStreams(_ streams: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        for stream in streams {
            withUnsafeBytes(of: UInt32(stream.utf8.count)) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: stream.utf8)
        }
        if !bytes.isEmpty { bytes.append(contentsOf: [0, 0, 0, 0]) }
        return Array(bytes.prefix(256))
    }

    /// The names in a packed stream list, stopping at a zero length or one that overruns the field.
    public static func unpackStreams(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var names: [String] = []
        var position = 0
        while position + 4 < bytes.count {
            let length = Int(bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
            guard length > 0, length <= bytes.count - position - 4 else { break }
            names.append(String(decoding: bytes[(position + 4)..<(position + 4 + length)], as: UTF8.self))
            position += 4 + length
        }
        return names
    }

    /// Publishes the handlers of `trigger` (those beyond the page's capacity are left out, as by
    /// MistServer).
    public static func write(_ trigger: String, _ entries: [TriggerPageEntry]) throws(SharedMemoryError) {
        let kept = Array(entries.prefix(capacity))
        try SharedMemoryPage.publish(name(trigger), size: size) { base throws(SharedMemoryError) in
            let table = try RecordTable(
                creating: base, capacity: size, fields: fields, recordCount: UInt32(kept.count))
            let url = try table.field("url")
            let sync = try table.field("sync")
            let streams = try table.field("streams")
            let params = try table.field("params")
            let fallback = try table.field("default")
            for (index, entry) in kept.enumerated() {
                let number = UInt64(index)
                table.setBytes(url, number, Array(entry.url.utf8))
                table.setInt(sync, number, entry.sync ? 1 : 0)
                table.setBytes(streams, number, packStreams(entry.streams))
                table.setBytes(params, number, Array(entry.params.utf8))
                table.setBytes(fallback, number, Array(entry.defaultResponse.utf8))
            }
            table.endPosition = UInt64(kept.count)
            table.setReady()
        }
    }

    /// The handlers of `trigger`: nil when it has no page (no handlers anywhere), empty when the
    /// page is unreadable.
    public static func read(_ trigger: String) -> [TriggerPageEntry]? {
        guard let page = try? SharedMemoryPage(opening: name(trigger), writable: false) else { return nil }
        defer { page.close() }
        guard let table = try? RecordTable(reading: page.base, capacity: page.size), table.isReady,
            let url = try? table.field("url"), let sync = try? table.field("sync"),
            let streams = try? table.field("streams")
        else { return [] }
        let params = try? table.field("params")
        let fallback = try? table.field("default")
        var entries: [TriggerPageEntry] = []
        for number in 0..<UInt64(table.recordCount) {
            let list = UnsafeRawBufferPointer(start: table.pointer(streams, number), count: Int(streams.size))
            entries.append(
                TriggerPageEntry(
                    url: table.string(url, number), sync: table.int(sync, number) != 0,
                    streams: unpackStreams(list), params: params.map { table.string($0, number) } ?? "",
                    defaultResponse: fallback.map { table.string($0, number) } ?? ""))
        }
        return entries
    }

    /// Withdraws the page of `trigger`.
    public static func remove(_ trigger: String) {
        _ = SharedMemoryPage.unlink(name(trigger))
    }
}
