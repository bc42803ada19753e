/// One AV1 Open Bitstream Unit (AV1 spec 5.3) as found in a temporal unit: its type and header
/// bytes (with the extension byte when present) and where its payload lies. Reading splits a
/// low-overhead bitstream (every OBU with its size field, as MP4, Matroska and DTSC carry AV1)
/// without copying.
public struct AV1OBU: Sendable, Equatable {
    /// OBU types this server looks at.
    public static let sequenceHeader: UInt8 = 1
    public static let temporalDelimiter: UInt8 = 2
    public static let frameHeader: UInt8 = 3
    public static let frame: UInt8 = 6
    /// The bit in the first header byte that says a size field follows the header.
    public static let hasSizeBit: UInt8 = 0x02

    /// `obu_type`.
    public var type: UInt8
    /// The header: one byte, two with `obu_extension_flag`; the size bit as it was read.
    public var header: ArraySlice<UInt8>
    public var payload: ArraySlice<UInt8>

    public init(type: UInt8, header: ArraySlice<UInt8>, payload: ArraySlice<UInt8>) {
        self.type = type
        self.header = header
        self.payload = payload
    }

    /// The OBUs of `data`, in order. Each must carry its size, except a last one that runs to
    /// the end (a size field is optional there).
    public static func split(_ data: ArraySlice<UInt8>) throws(MediaError) -> [AV1OBU] {
        var out: [AV1OBU] = []
        var position = data.startIndex
        while position < data.endIndex {
            let obu = try read(data[position...])
            out.append(obu)
            position = obu.payload.endIndex
            guard out.count <= 4096 else { throw .invalid("AV1 temporal unit with over 4096 OBUs") }
        }
        return out
    }

    /// The first OBU of `data`.
    public static func read(_ data: ArraySlice<UInt8>) throws(MediaError) -> AV1OBU {
        guard let first = data.first else { throw .truncated("AV1 OBU header") }
        guard first & 0x80 == 0 else { throw .invalid("AV1 OBU with its forbidden bit set") }
        let headerSize = first & 0x04 != 0 ? 2 : 1
        guard data.count >= headerSize else { throw .truncated("AV1 OBU header") }
        let header = data.prefix(headerSize)
        var position = data.startIndex + headerSize
        var end = data.endIndex
        if first & hasSizeBit != 0 {
            let (size, length) = try leb128(data[position...])
            position += length
            guard size <= UInt64(data.endIndex - position) else { throw .truncated("AV1 OBU of \(size) bytes") }
            end = position + Int(size)
        }
        return AV1OBU(type: first >> 3 & 0x0F, header: header, payload: data[position..<end])
    }

    /// A leb128 number and how many bytes it took (at most 8, as the AV1 spec allows).
    public static func leb128(_ data: ArraySlice<UInt8>) throws(MediaError) -> (value: UInt64, length: Int) {
        var value: UInt64 = 0
        for (index, byte) in data.prefix(8).enumerated() {
            value |= UInt64(byte & 0x7F) << (7 * UInt64(index))
            if byte & 0x80 == 0 { return (value, index + 1) }
        }
        throw .truncated("leb128 number")
    }

    /// `value` as leb128, in as few bytes as it needs.
    public static func leb128Bytes(_ value: Int) -> [UInt8] {
        var rest = UInt64(clamping: value)
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(rest & 0x7F)
            rest >>= 7
            if rest != 0 { byte |= 0x80 }
            out.append(byte)
        } while rest != 0
        return out
    }

    /// The OBU with its size field (the low-overhead form decoders and containers take).
    public var sizedBytes: [UInt8] {
        var out = Array(header)
        out[0] |= Self.hasSizeBit
        out += Self.leb128Bytes(payload.count)
        out += payload
        return out
    }
}
