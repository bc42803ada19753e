/// One track of a DTSH header (MistServer's `.dtsh` header cache and DTSC stream header).
public struct DTSHTrack: Sendable, Equatable {
    /// The member name MistServer gives the track, such as `video_H264_320x240_25fps_0`.
    public var identifier: String
    public var trackID: UInt64
    public var type: String
    public var codec: String
    /// Codec initialisation data (avcC, AudioSpecificConfig ...), raw bytes.
    public var initData: [UInt8]
    public var language: String?
    public var firstMs: UInt64
    public var lastMs: UInt64
    /// Only present in headers that carry it (MistServer's writer leaves it out).
    public var nowMs: UInt64?
    /// Average bit rate in bytes per second.
    public var bps: UInt64
    /// Peak bit rate in bytes per second.
    public var maxBps: UInt64
    public var missedFragments: UInt64?
    // Audio
    public var rate: UInt64 = 0
    public var sampleSize: UInt64 = 0
    public var channels: UInt64 = 0
    // Video
    public var width: UInt64 = 0
    public var height: UInt64 = 0
    /// Frames per kilosecond.
    public var fpks: UInt64 = 0
    public var effectiveFpks: UInt64 = 0

    public var fragments: [DTSHFragment] = []
    public var keys: [DTSHKey] = []
    public var parts: [DTSHPart] = []

    public init(
        identifier: String, trackID: UInt64, type: String, codec: String, initData: [UInt8] = [],
        firstMs: UInt64 = 0, lastMs: UInt64 = 0, bps: UInt64 = 0, maxBps: UInt64 = 0
    ) {
        self.identifier = identifier
        self.trackID = trackID
        self.type = type
        self.codec = codec
        self.initData = initData
        self.firstMs = firstMs
        self.lastMs = lastMs
        self.bps = bps
        self.maxBps = maxBps
    }

    /// Reads a track object of a DTSH header.
    public init(identifier: String, scan: DTMIScan) throws(DTMIError) {
        func int(_ name: String) throws(DTMIError) -> UInt64? {
            guard let member = try scan.member(name) else { return nil }
            guard let value = member.intValue else { throw DTMIError(.typeMismatch, at: member.offset) }
            return UInt64(bitPattern: value)
        }
        func bytes(_ name: String) throws(DTMIError) -> UnsafeRawBufferPointer? {
            guard let member = try scan.member(name) else { return nil }
            guard let value = member.stringBytes else { throw DTMIError(.typeMismatch, at: member.offset) }
            return value
        }
        func text(_ name: String) throws(DTMIError) -> String? {
            try bytes(name).map { String(decoding: $0, as: UTF8.self) }
        }
        self.identifier = identifier
        trackID = try int("trackid") ?? 0
        type = try text("type") ?? ""
        codec = try text("codec") ?? ""
        initData = try bytes("init").map { Array($0) } ?? []
        language = try text("lang")
        firstMs = try int("firstms") ?? 0
        lastMs = try int("lastms") ?? 0
        nowMs = try int("nowms")
        bps = try int("bps") ?? 0
        maxBps = try int("maxbps") ?? 0
        missedFragments = try int("missed_frags")
        rate = try int("rate") ?? 0
        sampleSize = try int("size") ?? 0
        channels = try int("channels") ?? 0
        width = try int("width") ?? 0
        height = try int("height") ?? 0
        fpks = try int("fpks") ?? 0
        effectiveFpks = try int("efpks") ?? 0

        if let raw = try bytes("fragments") {
            guard raw.count % DTSHFragment.encodedSize == 0 else { throw DTMIError(.badLength, at: scan.offset) }
            fragments = stride(from: 0, to: raw.count, by: DTSHFragment.encodedSize).map { at in
                DTSHFragment(
                    duration: BigEndian.uint32(raw, at: at) ?? 0, keyCount: raw[at + 4],
                    firstKey: (BigEndian.uint32(raw, at: at + 5) ?? 1) &- 1,
                    size: BigEndian.uint32(raw, at: at + 9) ?? 0)
            }
        }
        if let raw = try bytes("keys") {
            guard raw.count % DTSHKey.encodedSize == 0 else { throw DTMIError(.badLength, at: scan.offset) }
            let sizes = try bytes("keysizes")
            let count = raw.count / DTSHKey.encodedSize
            if let sizes, sizes.count != count * 4 { throw DTMIError(.badLength, at: scan.offset) }
            keys = (0..<count).map { index in
                let at = index * DTSHKey.encodedSize
                return DTSHKey(
                    bytePosition: BigEndian.uint64(raw, at: at) ?? 0,
                    duration: BigEndian.uint24(raw, at: at + 8) ?? 0,
                    number: BigEndian.uint32(raw, at: at + 11) ?? 0,
                    partCount: BigEndian.uint16(raw, at: at + 15) ?? 0,
                    time: BigEndian.uint64(raw, at: at + 17) ?? 0,
                    size: sizes.flatMap { BigEndian.uint32($0, at: index * 4) } ?? 0)
            }
        }
        if let raw = try bytes("parts") {
            guard raw.count % DTSHPart.encodedSize == 0 else { throw DTMIError(.badLength, at: scan.offset) }
            parts = stride(from: 0, to: raw.count, by: DTSHPart.encodedSize).map { at in
                DTSHPart(
                    size: BigEndian.uint24(raw, at: at) ?? 0, duration: BigEndian.uint24(raw, at: at + 3) ?? 0,
                    offset: BigEndian.uint24(raw, at: at + 6) ?? 0)
            }
        }
    }

    /// Appends the track object in the member order MistServer writes. Without the tables
    /// (`includeTables` false) it is the short form DTSC peers send each other.
    func append(to out: inout [UInt8], includeTables: Bool) throws(DTMIError) {
        try DTMIEncoder.appendName(identifier, to: &out)
        out.append(DTMIType.object.rawValue)
        if includeTables { try appendTables(to: &out) }
        try appendFields(to: &out)
        out.append(contentsOf: DTMIType.endMarker)
    }

    private func appendTables(to out: inout [UInt8]) throws(DTMIError) {
        var table: [UInt8] = []
        table.reserveCapacity(fragments.count * DTSHFragment.encodedSize)
        for fragment in fragments {
            BigEndian.append(fragment.duration, to: &table)
            table.append(fragment.keyCount)
            BigEndian.append(fragment.firstKey &+ 1, to: &table)
            BigEndian.append(fragment.size, to: &table)
        }
        try DTMIEncoder.appendName("fragments", to: &out)
        try DTMIEncoder.appendString(table, to: &out)

        table.removeAll(keepingCapacity: true)
        for key in keys {
            BigEndian.append(key.bytePosition, to: &table)
            BigEndian.append(UInt64(key.duration), width: 3, to: &table)
            BigEndian.append(key.number, to: &table)
            BigEndian.append(key.partCount, to: &table)
            BigEndian.append(key.time, to: &table)
        }
        try DTMIEncoder.appendName("keys", to: &out)
        try DTMIEncoder.appendString(table, to: &out)

        table.removeAll(keepingCapacity: true)
        for key in keys { BigEndian.append(key.size, to: &table) }
        try DTMIEncoder.appendName("keysizes", to: &out)
        try DTMIEncoder.appendString(table, to: &out)

        table.removeAll(keepingCapacity: true)
        for part in parts {
            BigEndian.append(UInt64(part.size), width: 3, to: &table)
            BigEndian.append(UInt64(part.duration), width: 3, to: &table)
            BigEndian.append(UInt64(part.offset), width: 3, to: &table)
        }
        try DTMIEncoder.appendName("parts", to: &out)
        try DTMIEncoder.appendString(table, to: &out)
    }

    private func appendFields(to out: inout [UInt8]) throws(DTMIError) {
        try appendInt("trackid", trackID, to: &out)
        if let missedFragments, missedFragments != 0 { try appendInt("missed_frags", missedFragments, to: &out) }
        try appendInt("firstms", firstMs, to: &out)
        try appendInt("lastms", lastMs, to: &out)
        try appendInt("bps", bps, to: &out)
        try appendInt("maxbps", maxBps, to: &out)
        try DTMIEncoder.appendName("init", to: &out)
        try DTMIEncoder.appendString(initData, to: &out)
        try DTMIEncoder.appendName("codec", to: &out)
        try DTMIEncoder.appendString(codec.utf8, to: &out)
        if let language, !language.isEmpty, language != "und" {
            try DTMIEncoder.appendName("lang", to: &out)
            try DTMIEncoder.appendString(language.utf8, to: &out)
        }
        try DTMIEncoder.appendName("type", to: &out)
        try DTMIEncoder.appendString(type.utf8, to: &out)
        if type == "audio" {
            try appendInt("rate", rate, to: &out)
            try appendInt("size", sampleSize, to: &out)
            try appendInt("channels", channels, to: &out)
        } else if type == "video" {
            try appendInt("width", width, to: &out)
            try appendInt("height", height, to: &out)
            try appendInt("fpks", fpks, to: &out)
            try appendInt("efpks", effectiveFpks, to: &out)
        }
    }

    private func appendInt(_ name: String, _ value: UInt64, to out: inout [UInt8]) throws(DTMIError) {
        try DTMIEncoder.appendName(name, to: &out)
        out.append(DTMIType.int.rawValue)
        BigEndian.append(value, to: &out)
    }
}
