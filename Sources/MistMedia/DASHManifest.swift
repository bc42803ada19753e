/// A DASH manifest (MPD, ISO/IEC 23009-1) of CMAF tracks as MistServer's CMAF output writes one:
/// an adaptation set per track kind, a representation per track named by its index, segments
/// `<index>/chunk_<start ms>.m4s` with `<index>/init.m4s`, listed in a `SegmentTimeline` on a
/// millisecond timescale. Live streams are `dynamic` (the window is the time-shift buffer),
/// files `static` with their duration.
public enum DASHManifest {
    public struct Representation: Sendable {
        public var index: Int
        public var type: String
        public var codecs: String
        public var bandwidth: UInt64
        public var width: UInt32
        public var height: UInt32
        public var fpks: UInt32
        public var rate: UInt32
        public var channels: UInt32
        public var language: String

        public init(
            index: Int, type: String, codecs: String, bandwidth: UInt64, width: UInt32 = 0, height: UInt32 = 0,
            fpks: UInt32 = 0, rate: UInt32 = 0, channels: UInt32 = 0, language: String = ""
        ) {
            self.index = index
            self.type = type
            self.codecs = codecs
            self.bandwidth = bandwidth
            self.width = width
            self.height = height
            self.fpks = fpks
            self.rate = rate
            self.channels = channels
            self.language = language
        }
    }

    /// What a live manifest says about time: when the stream's time 0 was (Unix milliseconds),
    /// now, and the shortest segment players should expect.
    public struct Live: Sendable {
        public var availabilityStart: UInt64
        public var now: UInt64
        public var minimumUpdate: UInt64

        public init(availabilityStart: UInt64, now: UInt64, minimumUpdate: UInt64) {
            self.availabilityStart = availabilityStart
            self.now = now
            self.minimumUpdate = minimumUpdate
        }
    }

    /// The manifest of `representations` over `segments` (start and duration in milliseconds,
    /// shared by every track); `live` makes it dynamic, else it is a file of `duration` ms.
    public static func manifest(
        _ representations: [Representation], segments: [HLSPlaylist.Segment], live: Live?, duration: UInt64
    ) -> String {
        var text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        text += "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" "
        let longest = segments.map(\.duration).max() ?? 2000
        let window = (segments.last.map { $0.start &+ $0.duration } ?? 0) &- (segments.first?.start ?? 0)
        if let live {
            text += "type=\"dynamic\" availabilityStartTime=\"\(isoTime(live.availabilityStart))\" "
            text += "publishTime=\"\(isoTime(live.now))\" "
            text += "minimumUpdatePeriod=\"\(isoDuration(live.minimumUpdate))\" "
            text += "timeShiftBufferDepth=\"\(isoDuration(window))\" "
            text +=
                "suggestedPresentationDelay=\"\(isoDuration(min(longest.multipliedReportingOverflow(by: 2).partialValue, max(window, longest))))\" "
            text += "maxSegmentDuration=\"\(isoDuration(longest))\" minBufferTime=\"\(isoDuration(longest))\">\n"
            text += "<Period id=\"0\" start=\"PT0S\">\n"
        } else {
            text += "type=\"static\" mediaPresentationDuration=\"\(isoDuration(duration))\" "
            text += "maxSegmentDuration=\"\(isoDuration(longest))\" minBufferTime=\"\(isoDuration(longest))\">\n"
            text += "<Period id=\"0\" start=\"PT0S\">\n"
        }
        var timeline = "<SegmentTimeline>"
        var expected: UInt64?
        for segment in segments {
            // `t` only where the timeline does not simply continue.
            timeline +=
                expected == segment.start
                ? "<S d=\"\(segment.duration)\"/>" : "<S t=\"\(segment.start)\" d=\"\(segment.duration)\"/>"
            expected = segment.start &+ segment.duration
        }
        timeline += "</SegmentTimeline>"
        for kind in ["video", "audio"] {
            let members = representations.filter { $0.type == kind }
            guard !members.isEmpty else { continue }
            let mime = kind == "video" ? "video/mp4" : "audio/mp4"
            text += "<AdaptationSet id=\"\(kind == "video" ? 0 : 1)\" contentType=\"\(kind)\" mimeType=\"\(mime)\" "
            text += "segmentAlignment=\"true\" startWithSAP=\"1\""
            if kind == "audio", let language = members.first?.language, !language.isEmpty {
                text += " lang=\"\(xml(language))\""
            }
            text += ">\n<SegmentTemplate timescale=\"1000\" media=\"$RepresentationID$/chunk_$Time$.m4s\" "
            text += "initialization=\"$RepresentationID$/init.m4s\">\(timeline)</SegmentTemplate>\n"
            for member in members {
                text +=
                    "<Representation id=\"\(member.index)\" bandwidth=\"\(min(max(member.bandwidth, 1), UInt64.max / 8) * 8)\" "
                text += "codecs=\"\(xml(member.codecs))\""
                if kind == "video" {
                    text += " width=\"\(member.width)\" height=\"\(member.height)\""
                    if member.fpks > 0 { text += " frameRate=\"\(member.fpks)/1000\"" }
                    text += "/>\n"
                } else {
                    text += " audioSamplingRate=\"\(member.rate)\">"
                    text +=
                        "<AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" "
                    text += "value=\"\(member.channels)\"/></Representation>\n"
                }
            }
            text += "</AdaptationSet>\n"
        }
        text += "</Period>\n</MPD>\n"
        return text
    }

    /// An ISO 8601 duration (`PT12.345S`) of `milliseconds`.
    static func isoDuration(_ milliseconds: UInt64) -> String {
        "PT\(milliseconds / 1000).\(String(milliseconds % 1000 + 1000).dropFirst())S"
    }

    /// A UTC time (`2026-12-03T06:30:00.123Z`) of Unix `milliseconds`.
    static func isoTime(_ milliseconds: UInt64) -> String {
        let seconds = Int64(clamping: milliseconds / 1000)
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let days = seconds / 86_400
        let secondOfDay = seconds % 86_400
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = String(milliseconds % 1000 + 1000).dropFirst()
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):"
            + "\(two(secondOfDay % 60)).\(millis)Z"
    }

    /// `text` safe inside an XML attribute.
    static func xml(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
