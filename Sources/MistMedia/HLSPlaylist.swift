/// HLS playlists as MistServer writes them: a master playlist with one variant per video track
/// (paired with the first audio track), and media playlists with one TS segment per keyframe
/// interval, named `chunk_<start ms>.ts`.
public enum HLSPlaylist {
    public struct Variant: Sendable {
        public var path: String
        public var bandwidth: UInt64
        public var width: UInt32
        public var height: UInt32
        public var fpks: UInt32
        public var codecs: [String]

        public init(path: String, bandwidth: UInt64, width: UInt32, height: UInt32, fpks: UInt32, codecs: [String]) {
            self.path = path
            self.bandwidth = bandwidth
            self.width = width
            self.height = height
            self.fpks = fpks
            self.codecs = codecs
        }
    }

    public struct Segment: Sendable, Equatable {
        public var sequence: UInt64
        public var start: UInt64
        public var duration: UInt64

        public init(sequence: UInt64, start: UInt64, duration: UInt64) {
            self.sequence = sequence
            self.start = start
            self.duration = duration
        }
    }

    /// A subtitle rendition: its language and the path of its media playlist.
    public struct Subtitles: Sendable {
        public var language: String
        public var path: String

        public init(language: String, path: String) {
            self.language = language.isEmpty ? "und" : language
            self.path = path
        }
    }

    /// The master playlist; subtitle renditions form one group (MistServer's `sub1`) that every
    /// variant names.
    public static func master(_ variants: [Variant], subtitles: [Subtitles] = []) -> String {
        var text = "#EXTM3U\r\n"
        for rendition in subtitles {
            text += "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"sub1\",LANGUAGE=\"\(rendition.language)\",NAME=\""
            text +=
                "\(rendition.language)\",AUTOSELECT=NO,DEFAULT=NO,FORCED=NO,URI=\"\(rendition.path)/index.m3u8\"\r\n"
        }
        for variant in variants {
            text += "#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=\(min(max(variant.bandwidth, 5), UInt64.max / 8) * 8)"
            if variant.width > 0 { text += ",RESOLUTION=\(variant.width)x\(variant.height)" }
            if variant.fpks > 0 { text += ",FRAME-RATE=\(formatted(Double(variant.fpks) / 1000))" }
            if !subtitles.isEmpty { text += ",SUBTITLES=\"sub1\"" }
            text += ",CODECS=\"\(variant.codecs.joined(separator: ","))\"\r\n\(variant.path)/index.m3u8\r\n"
        }
        return text
    }

    /// A media playlist of `segments`; `ended` adds the end tag (files). `uri` names a segment
    /// (TS chunks unless given); `map` is the initialisation segment of fMP4 segments (which
    /// makes it a version 7 playlist).
    public static func media(
        _ segments: [Segment], ended: Bool, map: String? = nil, uri: ((Segment) -> String)? = nil
    ) -> String {
        let longest = segments.map(\.duration).max() ?? 1000
        var text = "#EXTM3U\r\n#EXT-X-VERSION:\(map == nil ? 3 : 7)\r\n"
        if let map { text += "#EXT-X-INDEPENDENT-SEGMENTS\r\n#EXT-X-MAP:URI=\"\(map)\"\r\n" }
        text += "#EXT-X-MEDIA-SEQUENCE:\(segments.first?.sequence ?? 0)\r\n"
        text += "#EXT-X-TARGETDURATION:\(longest / 1000 + (longest % 1000 > 0 ? 1 : 0))\r\n"
        if ended { text += "#EXT-X-PLAYLIST-TYPE:VOD\r\n" }
        for segment in segments {
            text += "#EXTINF:\(milliseconds(segment.duration)),\r\n"
            text +=
                (uri?(segment) ?? "chunk_\(segment.start).ts?msn=\(segment.sequence)&dur=\(segment.duration)") + "\r\n"
        }
        if ended { text += "#EXT-X-ENDLIST\r\n" }
        return text
    }

    /// An error playlist, MistServer's way of telling a player what went wrong.
    public static func error(_ message: String) -> String {
        "#EXTM3U\r\n#EXT-X-ERROR: \(message)\r\n#EXT-X-ENDLIST\r\n"
    }

    /// RFC 6381 codec names for a track.
    public static func codecString(codec: String, initData: [UInt8]) -> String {
        switch codec {
        case "H264":
            guard initData.count >= 4 else { return "avc1" }
            return "avc1." + initData[1...3].map { hex($0) }.joined()
        case "HEVC": return "hvc1"
        case "AAC":
            let type = (try? AACConfiguration(bytes: initData).objectType) ?? 2
            return "mp4a.40.\(type)"
        case "MP3": return "mp4a.40.34"
        case "opus": return "Opus"
        default: return codec.lowercased()
        }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// `value` milliseconds as seconds with three decimals (`2.040`), as playlists write durations.
    public static func milliseconds(_ value: UInt64) -> String {
        let fraction = value % 1000
        return "\(value / 1000)." + String(repeating: "0", count: fraction < 10 ? 2 : fraction < 100 ? 1 : 0)
            + "\(fraction)"
    }

    static func formatted(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// `playlist` with `query` (`tkn=...`, already URL-safe) added to every URI in it: the lines
    /// that are URIs, and the `URI="..."` attributes of tags.
    public static func addingQuery(_ playlist: String, _ query: String) -> String {
        func adding(_ uri: Substring) -> String { uri + (uri.contains("?") ? "&" : "?") + query }
        var out = ""
        out.reserveCapacity(playlist.utf8.count + 64)
        // Lines by their bytes: "\r\n" is one Character, which a split on "\n" would not cut.
        let lines = playlist.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (number, bytes) in lines.enumerated() {
            if number > 0 { out += "\n" }
            let ending = bytes.last == UInt8(ascii: "\r") ? "\r" : ""
            let content = Substring(ending.isEmpty ? bytes : bytes.dropLast())
            if content.isEmpty {
                out += ending
            } else if !content.hasPrefix("#") {
                out += adding(content) + ending
            } else if let start = content.firstRange(of: "URI=\""),
                let end = content[start.upperBound...].firstIndex(of: "\"")
            {
                out += content[..<start.upperBound] + adding(content[start.upperBound..<end]) + content[end...] + ending
            } else {
                out += content + ending
            }
        }
        return out
    }
}
