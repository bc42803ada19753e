/// AMF0 encoding and decoding (with the AMF3 values RTMP clients may switch to).
public enum AMF0 {
    static let maximumDepth = 64

    /// Reads every value in `bytes` (an RTMP command message is a sequence of values).
    public static func decodeAll(_ bytes: [UInt8]) throws(MediaError) -> [AMFValue] {
        var reader = ByteReader(bytes, what: "AMF0 data")
        var values: [AMFValue] = []
        while !reader.isAtEnd { values.append(try decode(&reader, depth: 0)) }
        return values
    }

    public static func decode(_ reader: inout ByteReader, depth: Int = 0) throws(MediaError) -> AMFValue {
        guard depth < maximumDepth else { throw .tooDeep }
        let marker = try reader.uint8()
        switch marker {
        case 0x00: return .number(Double(bitPattern: try reader.uint(8)))
        case 0x01: return .bool(try reader.uint8() != 0)
        case 0x02: return .string(string(try reader.take(Int(try reader.uint16()))))
        case 0x03: return .object(try members(&reader, depth: depth))
        case 0x05: return .null
        case 0x06: return .undefined
        case 0x08:
            try reader.skip(4)  // the count is advisory; the end marker ends the members
            return .ecmaArray(try members(&reader, depth: depth))
        case 0x0A:
            let count = Int(try reader.uint32())
            guard count <= reader.remaining else { throw .truncated("AMF0 strict array") }
            var elements: [AMFValue] = []
            for _ in 0..<count { elements.append(try decode(&reader, depth: depth + 1)) }
            return .strictArray(elements)
        case 0x0B:
            let time = Double(bitPattern: try reader.uint(8))
            return .date(time, Int16(bitPattern: try reader.uint16()))
        case 0x0C: return .string(string(try reader.take(Int(try reader.uint32()))))
        case 0x11: return try AMF3.decode(&reader, depth: depth + 1)
        default: throw .invalid("AMF0 type marker \(marker)")
        }
    }

    private static func members(_ reader: inout ByteReader, depth: Int) throws(MediaError) -> [(String, AMFValue)] {
        var members: [(String, AMFValue)] = []
        while true {
            let length = Int(try reader.uint16())
            if length == 0 {
                // Object end marker (0x09); tolerate a missing one at the end of the data.
                if reader.isAtEnd { return members }
                let marker = try reader.uint8()
                if marker == 0x09 { return members }
                throw .invalid("AMF0 object member without a name")
            }
            let name = string(try reader.take(length))
            members.append((name, try decode(&reader, depth: depth + 1)))
        }
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Encodes values one after another.
    public static func encode(_ values: [AMFValue]) -> [UInt8] {
        var out: [UInt8] = []
        for value in values { append(value, to: &out) }
        return out
    }

    public static func append(_ value: AMFValue, to out: inout [UInt8]) {
        switch value {
        case .number(let number):
            out.append(0x00)
            appendBE(number.bitPattern, to: &out)
        case .bool(let flag): out += [0x01, flag ? 1 : 0]
        case .string(let text):
            let bytes = Array(text.utf8)
            if bytes.count <= 0xFFFF {
                out.append(0x02)
                appendBE(UInt16(bytes.count), to: &out)
            } else {
                out.append(0x0C)
                appendBE(UInt32(truncatingIfNeeded: bytes.count), to: &out)
            }
            out += bytes
        case .object(let members):
            out.append(0x03)
            appendMembers(members, to: &out)
        case .null: out.append(0x05)
        case .undefined: out.append(0x06)
        case .ecmaArray(let members):
            out.append(0x08)
            appendBE(UInt32(truncatingIfNeeded: members.count), to: &out)
            appendMembers(members, to: &out)
        case .strictArray(let elements):
            out.append(0x0A)
            appendBE(UInt32(truncatingIfNeeded: elements.count), to: &out)
            for element in elements { append(element, to: &out) }
        case .date(let time, let zone):
            out.append(0x0B)
            appendBE(time.bitPattern, to: &out)
            appendBE(UInt16(bitPattern: zone), to: &out)
        }
    }

    private static func appendMembers(_ members: [(String, AMFValue)], to out: inout [UInt8]) {
        for (name, value) in members {
            let bytes = Array(name.utf8.prefix(0xFFFF))
            appendBE(UInt16(bytes.count), to: &out)
            out += bytes
            append(value, to: &out)
        }
        out += [0, 0, 0x09]
    }

    static func appendBE<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}
