/// One subtitle cue as SubRip and WebVTT write it: its number (SubRip only), its start and end
/// in milliseconds, and its text.
public struct SubtitleCue: Sendable, Equatable {
    public var number: Int
    public var start: UInt64
    public var end: UInt64
    public var text: String

    public init(number: Int, start: UInt64, end: UInt64, text: String) {
        self.number = number
        self.start = start
        self.end = end
        self.text = text
    }

    /// The end MistServer gives a cue whose length nothing says: 75 ms per byte plus 800 ms.
    public static func estimatedEnd(start: UInt64, textBytes: Int) -> UInt64 {
        start + UInt64(textBytes) * 75 + 800
    }

    /// The cue as SubRip text (`1`, `00:00:01,000 --> 00:00:02,500`, the text, a blank line).
    public var subRip: String {
        "\(number)\n\(Self.clock(start, separator: ",")) --> \(Self.clock(end, separator: ","))\n\(trimmedText)\n\n"
    }

    /// The cue as a WebVTT cue (times with a dot, no number).
    public var webVTT: String {
        "\(Self.clock(start, separator: ".")) --> \(Self.clock(end, separator: "."))\n\(trimmedText)\n\n"
    }

    /// The text without trailing line breaks, which would end the cue early.
    var trimmedText: String {
        var text = Substring(text)
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return String(text)
    }

    /// `hh:mm:ss<separator>mmm`.
    static func clock(_ milliseconds: UInt64, separator: String) -> String {
        func two(_ value: UInt64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let fraction = milliseconds % 1000
        let three = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return two(milliseconds / 3_600_000) + ":" + two(milliseconds / 60000 % 60) + ":"
            + two(milliseconds / 1000 % 60) + separator + three
    }
}
