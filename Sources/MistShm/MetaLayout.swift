/// Field lists of the metadata tables, in MistServer 3.x's order, names, types and sizes.
enum MetaLayout {
    typealias Fields = [(name: String, type: RecordFieldType, size: UInt32?)]

    static func stream(trackListSize: UInt32) -> Fields {
        [
            ("vod", .unsigned, 1), ("live", .unsigned, 1), ("tracks", .nested, trackListSize),
            ("source", .string, 512), ("maxkeepaway", .unsigned, 2), ("bufferwindow", .unsigned, 8),
            ("bootmsoffset", .signed, 8), ("utcoffset", .signed, 8), ("utcsource", .unsigned, 1),
            ("minfragduration", .unsigned, 8),
        ]
    }

    static let trackList: Fields = [
        ("valid", .unsigned, 1), ("id", .unsigned, 4), ("type", .string, 32), ("codec", .string, 32),
        ("page", .string, 256), ("lastupdate", .unsigned, 8), ("pid", .unsigned, 8), ("minkeepaway", .unsigned, 8),
        ("sourcetid", .unsigned, 4), ("encryption", .string, 256), ("ivec", .unsigned, 8),
        ("widevine", .string, 256), ("playready", .string, 1024),
    ]

    static let parts: Fields = [("size", .unsigned, 4), ("duration", .unsigned, 2), ("offset", .signed, 2)]

    static let keys: Fields = [
        ("firstpart", .unsigned, 8), ("bpos", .unsigned, 8), ("duration", .unsigned, 4), ("number", .unsigned, 4),
        ("parts", .unsigned, 4), ("time", .unsigned, 8), ("size", .unsigned, 4),
    ]

    static let fragments: Fields = [
        ("duration", .unsigned, 4), ("keys", .unsigned, 2), ("firstkey", .unsigned, 4), ("size", .unsigned, 4),
    ]

    static let pages: Fields = [
        ("firstkey", .unsigned, 4), ("keycount", .unsigned, 4), ("parts", .unsigned, 4), ("size", .unsigned, 4),
        ("avail", .unsigned, 4), ("firsttime", .unsigned, 8), ("lastkeytime", .unsigned, 8),
    ]

    static func track(parts: UInt32, keys: UInt32, fragments: UInt32, pages: UInt32) -> Fields {
        [
            ("id", .unsigned, 4), ("type", .string, 8), ("codec", .string, 8), ("firstms", .unsigned, 8),
            ("lastms", .unsigned, 8), ("nowms", .unsigned, 8), ("bps", .unsigned, 4), ("maxbps", .unsigned, 4),
            ("lang", .string, 4), ("init", .raw, 1 << 20), ("rate", .unsigned, 2), ("size", .unsigned, 2),
            ("channels", .unsigned, 2), ("width", .unsigned, 4), ("height", .unsigned, 4), ("fpks", .unsigned, 2),
            ("efpks", .unsigned, 2), ("missedFrags", .unsigned, 4),
            ("parts", .nested, UInt32(RecordTable.requiredSize(fields: MetaLayout.parts, recordCount: parts))),
            ("keys", .nested, UInt32(RecordTable.requiredSize(fields: MetaLayout.keys, recordCount: keys))),
            (
                "fragments", .nested,
                UInt32(RecordTable.requiredSize(fields: MetaLayout.fragments, recordCount: fragments))
            ),
            ("pages", .nested, UInt32(RecordTable.requiredSize(fields: MetaLayout.pages, recordCount: pages))),
        ]
    }

    /// MistServer's size for live data pages (sparse: untouched bytes cost nothing).
    static let dataPageSize = 40 << 20
    /// A live page is closed at the next key once it holds this much ...
    static let flipPageBytes = 8 << 20
    /// ... or spans this many milliseconds.
    static let flipPageDuration: UInt64 = 60000
    /// Non-video tracks get a key at least this often (milliseconds).
    static let audioKeyInterval: UInt64 = 2047
}
