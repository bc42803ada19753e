/// Stream names as MistServer accepts them: a base name of lower-case ASCII letters, digits, `_`,
/// `.` and `-`, optionally followed by `+` and a free-form wildcard part (`live+camera1`).
public enum StreamName {
    /// The longest name MistServer accepts, in bytes.
    public static let maximumLength = 100

    /// Normalises a name coming from a URL, a push or the API: cuts everything from the first
    /// `?`, keeps only the allowed characters of the base name (letters lower-cased), turns the
    /// first space into `+` and keeps the wildcard part as it is, without control characters.
    public static func sanitize(_ name: String) -> String {
        var bytes = Array(name.utf8)
        if let question = bytes.firstIndex(of: UInt8(ascii: "?")) { bytes.removeSubrange(question...) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: " ") {
                output.append(UInt8(ascii: "+"))
                // Free-form, as in MistServer, except control characters: names go into
                // newline-separated trigger payloads, logs and playlists, where a line break
                // would forge fields.
                output.append(contentsOf: bytes[(index + 1)...].filter { $0 >= 0x20 && $0 != 0x7F })
                break
            }
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): output.append(byte + 32)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"),
                UInt8(ascii: "."), UInt8(ascii: "-"):
                output.append(byte)
            default: break
            }
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether `name` may be stored as a configured stream: already sanitised, not empty, within
    /// the length limit.
    public static func isValidConfigured(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maximumLength && sanitize(name) == name && !name.hasPrefix("+")
    }

    /// Whether the wildcard part (after `+`) may be put into a source as `$wildcard`, `$stream`
    /// or `$pluswildcard`: a file path or a command's arguments. It may name a file in a folder
    /// or below it, but not leave it (`..` segments, a leading `/`), add arguments (spaces) or
    /// carry control characters, NUL or backslashes.
    public static func wildcardIsSafeInSource(_ name: String) -> Bool {
        guard let plus = name.firstIndex(of: "+") else { return true }
        let wildcard = name[name.index(after: plus)...]
        if wildcard.hasPrefix("/") { return false }
        for scalar in wildcard.unicodeScalars where scalar.value <= 0x20 || scalar.value == 0x7F || scalar == "\\" {
            return false
        }
        return !wildcard.split(separator: "/", omittingEmptySubsequences: false).contains("..")
    }

    /// The part before the first `+`: the configured stream whose settings a wildcard stream uses.
    public static func baseName(_ name: String) -> Substring {
        name.prefix { $0 != "+" }
    }
}
