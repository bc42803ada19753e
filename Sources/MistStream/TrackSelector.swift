import MistShm

/// MistServer's track selectors (`?video=720p`, `?audio=eng,!mono`, `?video=none` ...): which
/// tracks of one type a viewer asks for. Matching is case-insensitive.
public enum TrackSelector {
    /// The tracks of `type` ("video", "audio", "subtitle", or a codec name) that `selector`
    /// picks from `tracks`, in track order.
    public static func select(_ selector: String, type: String, from tracks: [StreamTrack]) -> [StreamTrack] {
        let candidates = tracks.filter {
            $0.info.type.lowercased() == type.lowercased() || $0.info.codec.lowercased() == type.lowercased()
        }
        var terms = selector.lowercased().split(separator: ",").map(String.init)
        if let first = terms.first, first.hasPrefix("!") { terms.insert("all", at: 0) }
        var chosen: [Int] = []
        for term in terms where !term.isEmpty {
            if term.hasPrefix("!") {
                let removed = Set(matches(String(term.dropFirst()), candidates, all: tracks).map(\.index))
                chosen.removeAll { removed.contains($0) }
            } else if term.hasPrefix("|") {
                let kept = Set(matches(String(term.dropFirst()), candidates, all: tracks).map(\.index))
                chosen.removeAll { !kept.contains($0) }
            } else {
                for track in matches(term, candidates, all: tracks) where !chosen.contains(track.index) {
                    chosen.append(track.index)
                }
            }
        }
        return tracks.filter { chosen.contains($0.index) }
    }

    /// The tracks one term matches.
    static func matches(_ term: String, _ candidates: [StreamTrack], all: [StreamTrack]) -> [StreamTrack] {
        switch term {
        case "none", "-1": return []
        case "all", "*": return candidates
        case "highbps", "maxbps", "bestbps": return candidates.max { $0.bps < $1.bps }.map { [$0] } ?? []
        case "lowbps", "minbps", "worstbps": return candidates.min { $0.bps < $1.bps }.map { [$0] } ?? []
        case "highres", "maxres", "bestres": return candidates.max { area($0) < area($1) }.map { [$0] } ?? []
        case "lowres", "minres", "worstres": return candidates.min { area($0) < area($1) }.map { [$0] } ?? []
        case "surround": return candidates.filter { $0.info.channels > 2 }
        case "mono": return candidates.filter { $0.info.channels == 1 }
        case "stereo": return candidates.filter { $0.info.channels == 2 }
        case "720p": return resolution(1280, 720, candidates)
        case "1080p": return resolution(1920, 1080, candidates)
        case "1440p": return resolution(2560, 1440, candidates)
        case "2k": return resolution(2048, 1080, candidates)
        case "4k": return resolution(3840, 2160, candidates)
        case "5k": return resolution(5120, 2880, candidates)
        case "8k": return resolution(7680, 4320, candidates)
        default: break
        }
        if let index = Int(term), index >= 0 {
            // A bare number is the track's index, checked only for its type.
            return candidates.filter { $0.index == index }
        }
        if term.hasPrefix("i"), let id = UInt32(term.dropFirst()) { return candidates.filter { $0.info.id == id } }
        if term.hasSuffix("ch"), let channels = UInt32(term.dropLast(2)) {
            return candidates.filter { $0.info.channels == channels }
        }
        if let first = term.first, first == ">" || first == "<" {
            let rest = String(term.dropFirst())
            if let bits = bitRate(rest) {
                return candidates.filter { first == ">" ? $0.bps &* 8 > bits : $0.bps &* 8 < bits }
            }
            if let (width, height) = size(rest) {
                return candidates.filter { first == ">" ? area($0) > width * height : area($0) < width * height }
            }
            return []
        }
        if term.hasPrefix("max<"), let bits = bitRate(String(term.dropFirst(4))) {
            let below = candidates.filter { $0.bps &* 8 <= bits }
            if let best = below.max(by: { $0.bps < $1.bps }) { return [best] }
            return candidates.min { $0.bps < $1.bps }.map { [$0] } ?? []
        }
        if term.hasPrefix("~"), let (width, height) = size(String(term.dropFirst())) {
            let target = width * height
            return candidates.min { distance(area($0), target) < distance(area($1), target) }.map { [$0] } ?? []
        }
        if let bits = bitRate(term) {
            return candidates.min { distance($0.bps &* 8, bits) < distance($1.bps &* 8, bits) }.map { [$0] } ?? []
        }
        if let (width, height) = size(term) { return resolution(width, height, candidates) }
        if term.count == 2 || term.count == 3, term.allSatisfy(\.isLetter) {
            let byLanguage = candidates.filter { language($0.info.language) == language(term) }
            if !byLanguage.isEmpty { return byLanguage }
        }
        return candidates.filter { $0.info.codec.lowercased() == term }
    }

    static func distance(_ a: UInt64, _ b: UInt64) -> UInt64 { a > b ? a - b : b - a }

    static func area(_ track: StreamTrack) -> UInt64 { UInt64(track.info.width) * UInt64(track.info.height) }

    static func resolution(_ width: UInt64, _ height: UInt64, _ candidates: [StreamTrack]) -> [StreamTrack] {
        candidates.filter { UInt64($0.info.width) == width && UInt64($0.info.height) == height }
    }

    /// `500kbps`, `2mbps`, `800000bps` in bits per second (k = 1024, m = 1048576).
    static func bitRate(_ text: String) -> UInt64? {
        guard text.hasSuffix("bps") else { return nil }
        var number = text.dropLast(3)
        var factor: UInt64 = 1
        if number.hasSuffix("k") {
            factor = 1024
            number = number.dropLast()
        } else if number.hasSuffix("m") {
            factor = 1_048_576
            number = number.dropLast()
        }
        guard let value = UInt64(number) else { return nil }
        return value.multipliedReportingOverflow(by: factor).overflow ? nil : value * factor
    }

    static func size(_ text: String) -> (UInt64, UInt64)? {
        let parts = text.split(separator: "x")
        guard parts.count == 2, let width = UInt64(parts[0]), let height = UInt64(parts[1]),
            width <= 100_000, height <= 100_000
        else { return nil }
        return (width, height)
    }

    /// Three-letter language codes; common two-letter ones are converted.
    static func language(_ code: String) -> String {
        let lowered = code.lowercased()
        let twoLetter: [String: String] = [
            "en": "eng", "nl": "nld", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "ru": "rus",
            "ja": "jpn", "zh": "zho", "ko": "kor", "ar": "ara", "sv": "swe", "no": "nor", "da": "dan", "fi": "fin",
            "pl": "pol", "tr": "tur", "hi": "hin", "cs": "ces", "el": "ell", "he": "heb", "hu": "hun",
        ]
        let bibliographic: [String: String] = [
            "dut": "nld", "ger": "deu", "fre": "fra", "chi": "zho", "cze": "ces", "gre": "ell",
        ]
        return twoLetter[lowered] ?? bibliographic[lowered] ?? lowered
    }
}
