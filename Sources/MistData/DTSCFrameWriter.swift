/// Builds DTSC frames, byte-compatible with MistServer's.
public enum DTSCFrameWriter {
    /// A `DTP2` media packet laid out exactly as MistServer's inputs write them: members `offset`
    /// (only when non-zero), `bpos` (only when non-zero), `keyframe` (only when set), then `data`.
    public static func mediaPacket(
        trackID: UInt32, time: UInt64, offset: Int64 = 0, bytePosition: UInt64 = 0, keyframe: Bool,
        data: UnsafeRawBufferPointer
    ) throws(DTMIError) -> [UInt8] {
        guard data.count <= Int(UInt32.max) - 100 else { throw DTMIError(.tooLarge, at: 0) }
        let bodyLength =
            12 + 1 + (offset != 0 ? 17 : 0) + (bytePosition != 0 ? 15 : 0) + (keyframe ? 19 : 0) + 11 + data.count + 3
        var out: [UInt8] = []
        out.reserveCapacity(8 + bodyLength)
        out.append(contentsOf: DTSCFrameKind.packetV2.magic)
        BigEndian.append(UInt32(bodyLength), to: &out)
        BigEndian.append(trackID, to: &out)
        BigEndian.append(time, to: &out)
        out.append(DTMIType.object.rawValue)
        if offset != 0 {
            appendIntMember("offset", offset, to: &out)
        }
        if bytePosition != 0 {
            appendIntMember("bpos", Int64(bitPattern: bytePosition), to: &out)
        }
        if keyframe {
            appendIntMember("keyframe", 1, to: &out)
        }
        BigEndian.append(UInt16(4), to: &out)
        out.append(contentsOf: "data".utf8)
        out.append(DTMIType.string.rawValue)
        BigEndian.append(UInt32(data.count), to: &out)
        out.append(contentsOf: data)
        out.append(contentsOf: DTMIType.endMarker)
        return out
    }

    /// A `DTP2` packet with arbitrary members (for metadata or subtitle packets).
    public static func packet(trackID: UInt32, time: UInt64, members: JSONObject) throws(DTMIError) -> [UInt8] {
        let body = try DTMIEncoder.encode(.object(members))
        guard body.count <= Int(UInt32.max) - 12 else { throw DTMIError(.tooLarge, at: 0) }
        var out: [UInt8] = []
        out.reserveCapacity(20 + body.count)
        out.append(contentsOf: DTSCFrameKind.packetV2.magic)
        BigEndian.append(UInt32(body.count + 12), to: &out)
        BigEndian.append(trackID, to: &out)
        BigEndian.append(time, to: &out)
        out.append(contentsOf: body)
        return out
    }

    /// A `DTSC` header, `DTPD` or `DTCM` frame around a DTMI object.
    public static func frame(_ kind: DTSCFrameKind, object: JSONObject) throws(DTMIError) -> [UInt8] {
        guard kind != .packetV2 else { throw DTMIError(.typeMismatch, at: 0) }
        let body = try DTMIEncoder.encode(.object(object))
        guard body.count <= Int(UInt32.max) else { throw DTMIError(.tooLarge, at: 0) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + body.count)
        out.append(contentsOf: kind.magic)
        BigEndian.append(UInt32(body.count), to: &out)
        out.append(contentsOf: body)
        return out
    }

    private static func appendIntMember(_ name: StaticString, _ value: Int64, to out: inout [UInt8]) {
        BigEndian.append(UInt16(name.utf8CodeUnitCount), to: &out)
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(DTMIType.int.rawValue)
        BigEndian.append(value, to: &out)
    }
}
