/// The stream table of a metadata page and its nested track list, with fields looked up once.
struct StreamTables: @unchecked Sendable {
    let stream: RecordTable
    let trackList: RecordTable
    let vod, live, bufferWindow: RecordField
    let valid, id, type, codec, page, pid, lastUpdate: RecordField

    init(stream: RecordTable) throws(SharedMemoryError) {
        self.stream = stream
        trackList = try stream.nested(stream.field("tracks"))
        vod = try stream.field("vod")
        live = try stream.field("live")
        bufferWindow = try stream.field("bufferwindow")
        valid = try trackList.field("valid")
        id = try trackList.field("id")
        type = try trackList.field("type")
        codec = try trackList.field("codec")
        page = try trackList.field("page")
        pid = try trackList.field("pid")
        lastUpdate = try trackList.field("lastupdate")
    }

    /// Lays out a new metadata page for up to `trackCapacity` tracks (not yet ready).
    static func create(in page: SharedMemoryPage, trackCapacity: UInt32) throws(SharedMemoryError) -> StreamTables {
        let listSize = UInt32(RecordTable.requiredSize(fields: MetaLayout.trackList, recordCount: trackCapacity))
        let stream = try RecordTable(
            creating: page.base, capacity: page.size, fields: MetaLayout.stream(trackListSize: listSize),
            recordCount: 1)
        let listField = try stream.field("tracks")
        let list = try RecordTable(
            creating: stream.pointer(listField, 0), capacity: Int(listField.size), fields: MetaLayout.trackList,
            recordCount: trackCapacity)
        list.setReady()
        stream.addRecords(1)
        return try StreamTables(stream: stream)
    }

    static func pageSize(trackCapacity: UInt32) -> Int {
        let listSize = UInt32(RecordTable.requiredSize(fields: MetaLayout.trackList, recordCount: trackCapacity))
        return RecordTable.requiredSize(fields: MetaLayout.stream(trackListSize: listSize), recordCount: 1)
    }
}
