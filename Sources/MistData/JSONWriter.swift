/// Prints `JSONValue`s as JSON text, compact or indented.
///
/// The compact form matches MistServer's byte for byte: doubles print with 16 significant digits
/// (`%.16g`), strings escape every byte outside printable ASCII as a `\uXXXX` UTF-16 escape with
/// upper-case hex, and bytes that are not UTF-8 escape one by one as `\u00XX`. Non-finite doubles,
/// which JSON cannot express, print as `null`.
public enum JSONWriter {
    /// Compact JSON text, as MistServer's `toString`.
    public static func compact(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(value, to: &out, indent: nil, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Indented JSON text (two spaces per level, one member per line).
    public static func pretty(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        write(value, to: &out, indent: 2, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends compact JSON text to a byte buffer (no intermediate String).
    public static func appendCompact(_ value: JSONValue, to out: inout [UInt8]) {
        write(value, to: &out, indent: nil, level: 0)
    }

    private static func newline(_ out: inout [UInt8], indent: Int?, level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: indent * level))
    }

    private static func write(_ value: JSONValue, to out: inout [UInt8], indent: Int?, level: Int) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): out.append(contentsOf: String(number).utf8)
        case .double(let number): appendDouble(number, to: &out)
        case .string(let text):
            var text = text
            text.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), to: &out) }
        case .bytes(let raw):
            raw.withUnsafeBytes { appendEscaped($0, to: &out) }
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent: indent, level: level + 1)
                write(element, to: &out, indent: indent, level: level + 1)
            }
            if !array.isEmpty { newline(&out, indent: indent, level: level) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in object {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                newline(&out, indent: indent, level: level + 1)
                var key = key
                key.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), to: &out) }
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(0x20) }
                write(member, to: &out, indent: indent, level: level + 1)
            }
            if !object.isEmpty { newline(&out, indent: indent, level: level) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func appendDouble(_ number: Double, to out: inout [UInt8]) {
        guard number.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        out.append(contentsOf: DoubleFormat.significant16(number).utf8)
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func appendUTF16Escape(_ unit: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        out.append(hexDigits[Int((unit >> 12) & 0xF)])
        out.append(hexDigits[Int((unit >> 8) & 0xF)])
        out.append(hexDigits[Int((unit >> 4) & 0xF)])
        out.append(hexDigits[Int(unit & 0xF)])
    }

    private static func appendCodePoint(_ codePoint: UInt32, to out: inout [UInt8]) {
        if codePoint > 0xFFFF {
            let reduced = codePoint &- 0x10000
            appendUTF16Escape(0xD800 + ((reduced >> 10) & 0x3FF), to: &out)
            appendUTF16Escape(0xDC00 + (reduced & 0x3FF), to: &out)
        } else {
            appendUTF16Escape(codePoint, to: &out)
        }
    }

    /// Escapes a byte string the way MistServer's `string_escape` does, so our output of the same
    /// bytes (binary init data included) is identical to MistServer's.
    static func appendEscaped(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var index = 0
        let count = bytes.count
        func isContinuation(_ offset: Int) -> Bool {
            index + offset < count && bytes[index + offset] & 0xC0 == 0x80
        }
        while index < count {
            let byte = bytes[index]
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x20...0x7E: out.append(byte)
            default:
                let lead = UInt32(byte)
                if byte & 0xE0 == 0xC0 && isContinuation(1) {
                    appendCodePoint((lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F), to: &out)
                    index += 1
                } else if byte & 0xF0 == 0xE0 && isContinuation(1) && isContinuation(2) {
                    let codePoint =
                        (lead & 0x1F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
                    appendCodePoint(codePoint, to: &out)
                    index += 2
                } else if byte & 0xF8 == 0xF0 && isContinuation(1) && isContinuation(2) && isContinuation(3) {
                    let codePoint =
                        (lead & 0x1F) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
                        | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F)
                    appendCodePoint(codePoint, to: &out)
                    index += 3
                } else {
                    appendUTF16Escape(lead, to: &out)
                }
            }
            index += 1
        }
        out.append(UInt8(ascii: "\""))
    }
}
