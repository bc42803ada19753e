/// A DTSC stream header as MistServer writes it into `.dtsh` header caches and sends to DTSC
/// peers: a `DTSC` frame holding the stream flags and one object per track with its key,
/// fragment and part tables as packed binary strings.
public struct DTSHHeader: Sendable, Equatable {
    /// The DTSH format version MistServer 3.x writes.
    public static let currentVersion: Int64 = 4

    public var isVOD: Bool
    public var isLive: Bool
    public var version: Int64
    /// Unix time in milliseconds at stream time zero, when known.
    public var unixZero: Int64?
    /// The input's local variables as JSON text, when it has any.
    public var inputLocalVariables: String?
    public var tracks: [DTSHTrack]

    public init(isVOD: Bool, isLive: Bool = false, version: Int64 = currentVersion, tracks: [DTSHTrack] = []) {
        self.isVOD = isVOD
        self.isLive = isLive
        self.version = version
        self.tracks = tracks
    }

    /// Reads a header from a `DTSC` frame.
    public init(_ packet: DTSCPacket) throws(DTMIError) {
        guard packet.kind == .header else { throw DTMIError(.badMagic, at: 0) }
        let body = packet.body
        isVOD = (try body.member("vod")?.intValue ?? 0) != 0
        isLive = (try body.member("live")?.intValue ?? 0) != 0
        version = try body.member("version")?.intValue ?? 0
        unixZero = try body.member("unixzero")?.intValue
        inputLocalVariables = try body.member("inputLocalVars")?.stringBytes.map {
            String(decoding: $0, as: UTF8.self)
        }
        var tracks: [DTSHTrack] = []
        if let trackList = try body.member("tracks") {
            try trackList.forEachMember { name, scan throws(DTMIError) in
                guard scan.isObject else { throw DTMIError(.typeMismatch, at: scan.offset) }
                tracks.append(try DTSHTrack(identifier: String(decoding: name, as: UTF8.self), scan: scan))
                return true
            }
        }
        self.tracks = tracks
    }

    /// Reads a header from the bytes of a `.dtsh` file.
    public init(fileBytes: [UInt8]) throws(DTMIError) {
        let result = fileBytes.withUnsafeBytes { raw in
            Result { () throws(DTMIError) in try DTSHHeader(DTSCPacket(raw)) }
        }
        self = try result.get()
    }

    /// The header as a `DTSC` frame, member for member in MistServer's order. Without the key,
    /// fragment and part tables (`includeTables` false) it is what a DTSC server sends a viewer.
    public func encode(includeTables: Bool = true) throws(DTMIError) -> [UInt8] {
        var body: [UInt8] = [DTMIType.object.rawValue]
        if isVOD { try appendInt("vod", 1, to: &body) }
        if isLive { try appendInt("live", 1, to: &body) }
        try appendInt("version", version, to: &body)
        if let unixZero { try appendInt("unixzero", unixZero, to: &body) }
        if let inputLocalVariables, !inputLocalVariables.isEmpty {
            try DTMIEncoder.appendName("inputLocalVars", to: &body)
            try DTMIEncoder.appendString(inputLocalVariables.utf8, to: &body)
        }
        try DTMIEncoder.appendName("tracks", to: &body)
        body.append(DTMIType.object.rawValue)
        for track in tracks { try track.append(to: &body, includeTables: includeTables) }
        body.append(contentsOf: DTMIType.endMarker)
        body.append(contentsOf: DTMIType.endMarker)
        guard body.count <= Int(UInt32.max) else { throw DTMIError(.tooLarge, at: 0) }
        var out = DTSCFrameKind.header.magic
        BigEndian.append(UInt32(body.count), to: &out)
        out.append(contentsOf: body)
        return out
    }

    private func appendInt(_ name: String, _ value: Int64, to out: inout [UInt8]) throws(DTMIError) {
        try DTMIEncoder.appendName(name, to: &out)
        out.append(DTMIType.int.rawValue)
        BigEndian.append(value, to: &out)
    }
}
