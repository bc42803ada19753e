/// Text from outside (stream names, with their free-form wildcard part, and request headers)
/// written into HTML, JavaScript and URLs, escaped for each so it stays text there.
public enum TextEscaping {
    /// For HTML text and quoted attribute values.
    public static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A JavaScript string literal in `quote`s, quotes included: every character that could end
    /// the string, the script element around it or the line is written as a `\u` escape.
    public static func javaScript(_ text: String, quote: Character = "\"") -> String {
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "\"", "'", "<", ">", "&", "\u{2028}", "\u{2029}": out += unicodeEscape(scalar.value)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += unicodeEscape(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + String(quote)
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// One path segment of a URL: everything but unreserved characters and `+` percent-encoded.
    public static func urlPathSegment(_ text: String) -> String { percentEncoded(text, keepingPlus: true) }

    /// A URL query value: everything but unreserved characters percent-encoded (`+` too, which
    /// a query would read as a space).
    public static func urlQueryValue(_ text: String) -> String { percentEncoded(text, keepingPlus: false) }

    private static func percentEncoded(_ text: String, keepingPlus: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "+") where keepingPlus:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = String(byte, radix: 16, uppercase: true)
                out += "%" + (digits.count == 1 ? "0" : "") + digits
            }
        }
        return out
    }
}
