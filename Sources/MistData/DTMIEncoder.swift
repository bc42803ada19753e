/// Encodes `JSONValue`s as DTMI, byte-compatible with MistServer's `toPacked`.
///
/// Bools encode as integers and object members with empty names are skipped, as MistServer does;
/// `.bytes` and `.string` both encode as DTMI strings, byte for byte.
public enum DTMIEncoder {
    public static func encode(_ value: JSONValue) throws(DTMIError) -> [UInt8] {
        var out: [UInt8] = []
        try append(value, to: &out)
        return out
    }

    /// The encoded size in bytes, without encoding (MistServer's `packedSize`).
    public static func encodedSize(_ value: JSONValue) -> Int {
        switch value {
        case .int, .bool, .double: return 9
        case .null: return 1
        case .string(let text): return 5 + text.utf8.count
        case .bytes(let raw): return 5 + raw.count
        case .array(let array): return 4 + array.reduce(0) { $0 + encodedSize($1) }
        case .object(let object):
            return 4
                + object.reduce(0) { total, member in
                    member.key.isEmpty ? total : total + 2 + member.key.utf8.count + encodedSize(member.value)
                }
        }
    }

    public static func append(_ value: JSONValue, to out: inout [UInt8]) throws(DTMIError) {
        switch value {
        case .int(let number):
            out.append(DTMIType.int.rawValue)
            BigEndian.append(number, to: &out)
        case .bool(let flag):
            out.append(DTMIType.int.rawValue)
            BigEndian.append(Int64(flag ? 1 : 0), to: &out)
        case .double(let number):
            out.append(DTMIType.double.rawValue)
            BigEndian.append(number.bitPattern, to: &out)
        case .null:
            out.append(DTMIType.null.rawValue)
        case .string(let text):
            try appendString(text.utf8, to: &out)
        case .bytes(let raw):
            try appendString(raw, to: &out)
        case .array(let array):
            out.append(DTMIType.array.rawValue)
            for element in array { try append(element, to: &out) }
            out.append(contentsOf: DTMIType.endMarker)
        case .object(let object):
            out.append(DTMIType.object.rawValue)
            for (key, member) in object where !key.isEmpty {
                try appendName(key, to: &out)
                try append(member, to: &out)
            }
            out.append(contentsOf: DTMIType.endMarker)
        }
    }

    /// Appends a member name: 16-bit length, then the bytes.
    public static func appendName(_ name: String, to out: inout [UInt8]) throws(DTMIError) {
        let utf8 = name.utf8
        guard utf8.count <= Int(UInt16.max) else { throw DTMIError(.tooLarge, at: out.count) }
        BigEndian.append(UInt16(utf8.count), to: &out)
        out.append(contentsOf: utf8)
    }

    /// Appends a DTMI string: type marker, 32-bit length, the bytes.
    public static func appendString<C: Collection>(_ bytes: C, to out: inout [UInt8]) throws(DTMIError)
    where C.Element == UInt8 {
        guard bytes.count <= Int(UInt32.max) else { throw DTMIError(.tooLarge, at: out.count) }
        out.append(DTMIType.string.rawValue)
        BigEndian.append(UInt32(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }
}
