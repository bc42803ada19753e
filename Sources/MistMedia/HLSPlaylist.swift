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
        String(decoding: addingQuery(Array(playlist.utf8), Array(query.utf8)), as: UTF8.self)
    }

    /// Where the first `marker` in `bytes` ends (a plain scan: the generic searches of the
    /// standard library cost more than the whole playlist here).
    static func index(after marker: [UInt8], in bytes: ArraySlice<UInt8>) -> Int? {
        guard let first = marker.first, bytes.count >= marker.count else { return nil }
        var position = bytes.startIndex
        let last = bytes.endIndex - marker.count
        while position <= last {
            if bytes[position] == first {
                var matched = 1
                while matched < marker.count && bytes[position + matched] == marker[matched] { matched += 1 }
                if matched == marker.count { return position + marker.count }
            }
            position += 1
        }
        return nil
    }

    /// `addingQuery` over bytes, for playlists answered many times a second: lines are found by
    /// their bytes ("\r\n" endings kept), no characters are formed.
    public static func addingQuery(_ playlist: [UInt8], _ query: [UInt8]) -> [UInt8] {
        let newline = UInt8(ascii: "\n")
        let quote = UInt8(ascii: "\"")
        let marker = Array("URI=\"".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(playlist.count + playlist.count / 8 + 64)
        func adding(_ uri: ArraySlice<UInt8>) {
            out += uri
            out.append(uri.contains(UInt8(ascii: "?")) ? UInt8(ascii: "&") : UInt8(ascii: "?"))
            out += query
        }
        var lineStart = 0
        while lineStart <= playlist.count {
            let lineEnd = playlist[lineStart...].firstIndex(of: newline) ?? playlist.count
            var contentEnd = lineEnd
            if contentEnd > lineStart && playlist[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            let content = playlist[lineStart..<contentEnd]
            if content.isEmpty {
            } else if content.first != UInt8(ascii: "#") {
                adding(content)
            } else if let start = Self.index(after: marker, in: content),
                let end = content[start...].firstIndex(of: quote)
            {
                out += content[..<start]
                adding(content[start..<end])
                out += content[end...]
            } else {
                out += content
            }
            out += playlist[contentEnd..<lineEnd]
            if lineEnd < playlist.count { out.append(newline) }
            lineStart = lineEnd + 1
        }
        return out
    }
}
