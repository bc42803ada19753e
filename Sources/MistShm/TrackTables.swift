/// The record tables of one track's metadata page, with their fields looked up once.
struct TrackTables: @unchecked Sendable {
    let track: RecordTable
    let parts: RecordTable
    let keys: RecordTable
    let fragments: RecordTable
    let pages: RecordTable

    // track
    let id, type, codec, firstms, lastms, nowms, bps, maxbps, lang, initData: RecordField
    let rate, sampleSize, channels, width, height, fpks, efpks: RecordField
    // parts
    let partSize, partDuration, partOffset: RecordField
    // keys
    let keyFirstPart, keyBytePosition, keyDuration, keyNumber, keyParts, keyTime, keySize: RecordField
    // fragments
    let fragmentDuration, fragmentKeys, fragmentFirstKey, fragmentSize: RecordField
    // pages
    let pageFirstKey, pageKeyCount, pageParts, pageSize, pageAvail, pageFirstTime, pageLastKeyTime: RecordField

    /// Reads the tables of a ready track page.
    init(track: RecordTable) throws(SharedMemoryError) {
        self.track = track
        parts = try track.nested(track.field("parts"))
        keys = try track.nested(track.field("keys"))
        fragments = try track.nested(track.field("fragments"))
        pages = try track.nested(track.field("pages"))
        id = try track.field("id")
        type = try track.field("type")
        codec = try track.field("codec")
        firstms = try track.field("firstms")
        lastms = try track.field("lastms")
        nowms = try track.field("nowms")
        bps = try track.field("bps")
        maxbps = try track.field("maxbps")
        lang = try track.field("lang")
        initData = try track.field("init")
        rate = try track.field("rate")
        sampleSize = try track.field("size")
        channels = try track.field("channels")
        width = try track.field("width")
        height = try track.field("height")
        fpks = try track.field("fpks")
        efpks = try track.field("efpks")
        partSize = try parts.field("size")
        partDuration = try parts.field("duration")
        partOffset = try parts.field("offset")
        keyFirstPart = try keys.field("firstpart")
        keyBytePosition = try keys.field("bpos")
        keyDuration = try keys.field("duration")
        keyNumber = try keys.field("number")
        keyParts = try keys.field("parts")
        keyTime = try keys.field("time")
        keySize = try keys.field("size")
        fragmentDuration = try fragments.field("duration")
        fragmentKeys = try fragments.field("keys")
        fragmentFirstKey = try fragments.field("firstkey")
        fragmentSize = try fragments.field("size")
        pageFirstKey = try pages.field("firstkey")
        pageKeyCount = try pages.field("keycount")
        pageParts = try pages.field("parts")
        pageSize = try pages.field("size")
        pageAvail = try pages.field("avail")
        pageFirstTime = try pages.field("firsttime")
        pageLastKeyTime = try pages.field("lastkeytime")
    }

    /// Lays out a new track page and makes its tables ready.
    static func create(
        in page: SharedMemoryPage, parts: UInt32, keys: UInt32, fragments: UInt32, pages: UInt32
    ) throws(SharedMemoryError) -> TrackTables {
        let layout = MetaLayout.track(parts: parts, keys: keys, fragments: fragments, pages: pages)
        let track = try RecordTable(creating: page.base, capacity: page.size, fields: layout, recordCount: 1)
        for (name, fields, count) in [
            ("parts", MetaLayout.parts, parts), ("keys", MetaLayout.keys, keys),
            ("fragments", MetaLayout.fragments, fragments), ("pages", MetaLayout.pages, pages),
        ] {
            let field = try track.field(name)
            let nested = try RecordTable(
                creating: track.pointer(field, 0), capacity: Int(field.size), fields: fields, recordCount: count)
            nested.setReady()
        }
        track.addRecords(1)
        track.setReady()
        return try TrackTables(track: track)
    }

    /// Bytes a track page with these capacities needs.
    static func pageSize(parts: UInt32, keys: UInt32, fragments: UInt32, pages: UInt32) -> Int {
        RecordTable.requiredSize(
            fields: MetaLayout.track(parts: parts, keys: keys, fragments: fragments, pages: pages), recordCount: 1)
    }

    /// The page record index holding key `keyNumber`, if any.
    func pageIndex(forKey keyNumber: UInt64) -> UInt64? {
        let present = pages.presentRange
        for index in present.reversed() {
            let firstKey = pages.int(pageFirstKey, index)
            guard firstKey <= keyNumber else { continue }
            let count = pages.int(pageKeyCount, index)
            // The newest page is still growing: it holds every key from its first one on.
            return (keyNumber - firstKey < count || index == present.upperBound - 1) ? index : nil
        }
        return nil
    }
}
