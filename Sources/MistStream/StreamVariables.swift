import MistCore
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// MistServer's `$variables`: custom ones first (in name order), then `$source`, the date and
/// time, `$stream`, `$basename`, `$wildcard` and `$pluswildcard`, each as `$name` or `${name}`;
/// the pass repeats while something was replaced and a `$` remains (at most ten times).
public enum StreamVariables {
    /// `text` with every variable it names replaced.
    public static func substitute(
        _ text: String, stream: String = "", source: String = "", custom: [String: String]? = nil,
        time: time_t = time(nil)
    ) -> String {
        guard text.contains("$") else { return text }
        let custom = custom ?? published()
        var parts = tm()
        var now = time
        localtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        let year = String(parts.tm_year + 1900)
        let month = two(parts.tm_mon + 1)
        let day = two(parts.tm_mday)
        let hour = two(parts.tm_hour)
        let minute = two(parts.tm_min)
        let second = two(parts.tm_sec)
        let weekday = String(parts.tm_wday == 0 ? 7 : parts.tm_wday)
        let yearDay = String(parts.tm_yday + 1)
        let padded = String(repeating: "0", count: max(0, 3 - yearDay.count)) + yearDay
        var buffer = [CChar](repeating: 0, count: 8)
        let weekLength = strftime(&buffer, buffer.count, "%V", &parts)
        let week = String(decoding: buffer[0..<weekLength].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let separator = stream.firstIndex { $0 == "+" || $0 == " " }
        let base = separator.map { String(stream[..<$0]) } ?? stream
        let wildcard = separator.map { String(stream[stream.index(after: $0)...]) } ?? ""
        var values: [(String, String)] = custom.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        values += [
            ("source", source), ("datetime", "\(year).\(month).\(day).\(hour).\(minute).\(second)"), ("day", day),
            ("month", month), ("year", year), ("hour", hour), ("minute", minute), ("second", second),
            ("wday", weekday), ("yday", padded), ("week", week), ("stream", stream), ("basename", base),
            ("wildcard", wildcard), ("pluswildcard", wildcard.isEmpty ? "" : "+" + wildcard),
        ]
        var result = text
        for _ in 0..<10 {
            let before = result
            for (name, value) in values {
                result = replace(result, "${\(name)}", value)
                result = replace(result, "$\(name)", value)
            }
            if result == before || !result.contains("$") { break }
        }
        return result
    }

    /// Plain text replacement (no Foundation in this module).
    public static func replace(_ text: String, _ target: String, _ value: String) -> String {
        guard !target.isEmpty, text.contains(target) else { return text }
        var result = ""
        var rest = Substring(text)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += value
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    /// The custom variables' values the controller publishes.
    public static func published() -> [String: String] {
        var values: [String: String] = [:]
        for (name, value) in ConfigPage.read(StreamPageNames.variables)?.objectValue ?? JSONObject() {
            values[name] = value.stringValue ?? ""
        }
        return values
    }
}
