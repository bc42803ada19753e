/// One DTSC frame read in place: a header, a data packet or a command.
///
/// Creating it validates the framing and the whole DTMI body once, so the accessors afterwards
/// cannot fail on bad bytes; they read straight from the buffer, and `data` is a slice of it.
/// The view borrows the buffer: it must not outlive the memory (a mapped page, a receive buffer).
public struct DTSCPacket: @unchecked Sendable {
    /// The frame's bytes, from the magic to the end of the body.
    public let bytes: UnsafeRawBufferPointer
    public let kind: DTSCFrameKind

    /// Reads the frame at the start of `buffer`, which may hold more after it (see `frameLength`).
    /// Throws if the magic is unknown, the length field points past the buffer, or the body is
    /// not exactly one well-formed DTMI object.
    public init(_ buffer: UnsafeRawBufferPointer) throws(DTMIError) {
        guard buffer.count >= 8 else { throw DTMIError(.truncated, at: buffer.count) }
        guard let kind = DTSCFrameKind(magicOf: buffer) else { throw DTMIError(.badMagic, at: 0) }
        guard let length = BigEndian.uint32(buffer, at: 4) else { throw DTMIError(.truncated, at: 4) }
        let total = 8 + Int(length)
        guard total <= buffer.count else { throw DTMIError(.truncated, at: buffer.count) }
        guard total > kind.bodyOffset else { throw DTMIError(.badLength, at: 4) }
        let frame = UnsafeRawBufferPointer(rebasing: buffer[0..<total])
        let body = DTMIScan(buffer: frame, offset: kind.bodyOffset)
        guard body.isObject else {
            throw DTMIError(.typeMismatch, at: kind.bodyOffset)
        }
        let end = try body.endOffset()
        guard end == total else { throw DTMIError(.trailingData, at: end) }
        self.bytes = frame
        self.kind = kind
    }

    /// Total size of the frame in bytes (magic and length included).
    public var frameLength: Int { bytes.count }

    /// The DTMI object of the frame.
    public var body: DTMIScan { DTMIScan(buffer: bytes, offset: kind.bodyOffset) }

    /// The track id: from the `DTP2` header, or the `trackid` member otherwise (0 when absent).
    public var trackID: UInt32 {
        if kind == .packetV2 { return BigEndian.uint32(bytes, at: 8) ?? 0 }
        return UInt32(truncatingIfNeeded: integer("trackid") ?? 0)
    }

    /// The time in milliseconds: from the `DTP2` header, or the `time` member otherwise.
    public var time: UInt64 {
        if kind == .packetV2 { return BigEndian.uint64(bytes, at: 12) ?? 0 }
        return UInt64(bitPattern: integer("time") ?? 0)
    }

    /// Whether the packet starts a keyframe (a non-zero `keyframe` member).
    public var isKeyframe: Bool { (integer("keyframe") ?? 0) != 0 }

    /// The composition offset in milliseconds (`offset` member; 0 when absent).
    public var offset: Int64 { integer("offset") ?? 0 }

    /// The byte position in the source file (`bpos` member; 0 when absent).
    public var bytePosition: UInt64 { UInt64(bitPattern: integer("bpos") ?? 0) }

    /// The media payload (`data` member) as a slice of the frame, or nil when absent.
    public var data: UnsafeRawBufferPointer? {
        (try? body.member("data"))??.stringBytes
    }

    /// An integer member of the body, or nil when absent or not an integer.
    public func integer(_ name: String) -> Int64? {
        (try? body.member(name))??.intValue
    }

    /// Decodes the whole frame into JSON, adding `time` and `trackid` for `DTP2` as MistServer does.
    public func json() throws(DTMIError) -> JSONValue {
        var value = try body.decode()
        if kind == .packetV2 {
            value["time"] = .int(Int64(bitPattern: time))
            value["trackid"] = .int(Int64(trackID))
        }
        return value
    }
}
