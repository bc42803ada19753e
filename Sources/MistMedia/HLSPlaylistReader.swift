import MistData

/// HLS playlists from other servers, read: a master playlist's variants, or a media playlist's
/// segments with their sequence numbers, and whether it is complete.
public enum HLSPlaylistReader {
    public struct Variant: Sendable, Equatable {
        public var uri: String
        public var bandwidth: UInt64
    }

    public struct Segment: Sendable, Equatable {
        public var uri: String
        public var sequence: UInt64
        /// Milliseconds.
        public var duration: UInt64
    }

    public enum Playlist: Sendable, Equatable {
        case master([Variant])
        case media(segments: [Segment], targetDuration: UInt64, ended: Bool)
    }

    /// Reads `text`; throws when it is not a playlist at all.
    public static func parse(_ text: String) throws(MediaError) -> Playlist {
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map {
            String($0).trimmingSpaces
        }
        lines.removeAll { $0.isEmpty }
        guard lines.first?.hasPrefix("#EXTM3U") == true else { throw .invalid("HLS playlist without #EXTM3U") }
        var variants: [Variant] = []
        var segments: [Segment] = []
        var sequence: UInt64 = 0
        var targetDuration: UInt64 = 0
        var ended = false
        var pendingBandwidth: UInt64?
        var pendingDuration: UInt64?
        for line in lines.dropFirst() {
            if line.hasPrefix("#EXT-X-STREAM-INF:") {
                pendingBandwidth = attribute("BANDWIDTH", in: line).flatMap { UInt64($0) } ?? 0
            } else if line.hasPrefix("#EXT-X-MEDIA-SEQUENCE:") {
                sequence = UInt64(line.dropFirst(22)) ?? 0
            } else if line.hasPrefix("#EXT-X-TARGETDURATION:") {
                let seconds = UInt64(line.dropFirst(22)) ?? 0
                let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
                targetDuration = overflow ? .max : milliseconds
            } else if line.hasPrefix("#EXTINF:") {
                let number = line.dropFirst(8).prefix { $0 != "," }
                pendingDuration = UInt64(clamping: ((Double(number) ?? 0) * 1000).rounded())
            } else if line.hasPrefix("#EXT-X-ENDLIST") || line == "#EXT-X-PLAYLIST-TYPE:VOD" {
                ended = true
            } else if !line.hasPrefix("#") {
                if let bandwidth = pendingBandwidth {
                    variants.append(Variant(uri: line, bandwidth: bandwidth))
                    pendingBandwidth = nil
                } else {
                    segments.append(Segment(uri: line, sequence: sequence, duration: pendingDuration ?? 0))
                    sequence &+= 1
                    pendingDuration = nil
                }
            }
        }
        if !variants.isEmpty { return .master(variants) }
        return .media(segments: segments, targetDuration: targetDuration, ended: ended)
    }

    /// The value of `name=` in an attribute list (quotes removed).
    static func attribute(_ name: String, in line: String) -> String? {
        var rest = Substring(line.drop { $0 != ":" }.dropFirst())
        while !rest.isEmpty {
            let key = rest.prefix { $0 != "=" }
            rest = rest.dropFirst(key.count + 1)
            var value: Substring
            if rest.first == "\"" {
                value = rest.dropFirst().prefix { $0 != "\"" }
                rest = rest.dropFirst(value.count + 2)
            } else {
                value = rest.prefix { $0 != "," }
                rest = rest.dropFirst(value.count)
            }
            if rest.first == "," { rest = rest.dropFirst() }
            if key == name { return String(value) }
        }
        return nil
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
