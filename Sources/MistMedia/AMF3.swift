/// The AMF3 values RTMP clients send after an AMF0 "switch to AMF3" marker, mapped onto
/// `AMFValue`. Traits, references and externalizable objects are refused (no encoder sends
/// them in commands).
enum AMF3 {
    static func decode(_ reader: inout ByteReader, depth: Int) throws(MediaError) -> AMFValue {
        guard depth < AMF0.maximumDepth else { throw .tooDeep }
        let marker = try reader.uint8()
        switch marker {
        case 0x00: return .undefined
        case 0x01: return .null
        case 0x02: return .bool(false)
        case 0x03: return .bool(true)
        case 0x04:
            var value = Int32(bitPattern: try integer(&reader))
            if value & 0x1000_0000 != 0 { value |= ~0x1FFF_FFFF }  // 29-bit sign extension
            return .number(Double(value))
        case 0x05: return .number(Double(bitPattern: try reader.uint(8)))
        case 0x06:
            let header = try integer(&reader)
            guard header & 1 == 1 else { throw .invalid("AMF3 string reference") }
            return .string(AMF0.string(try reader.take(Int(header >> 1))))
        default: throw .invalid("AMF3 type marker \(marker)")
        }
    }

    /// AMF3's variable-length 29-bit integer.
    static func integer(_ reader: inout ByteReader) throws(MediaError) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<4 {
            let byte = try reader.uint8()
            if index == 3 { return value << 8 | UInt32(byte) }
            value = value << 7 | UInt32(byte & 0x7F)
            if byte & 0x80 == 0 { return value }
        }
        return value
    }
}
