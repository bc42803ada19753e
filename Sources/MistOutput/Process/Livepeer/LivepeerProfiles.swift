import MistData
import MistShm
import MistStream

/// The transcoding profiles a Livepeer process asks for (`target_profiles`), completed as
/// MistServer completes them from the source video track before the first segment: frame rate,
/// GOP and H.264 profile defaults, a missing width or height from the source's aspect (a height
/// alone on a portrait source is taken as the width), both cut down to multiples of 16, and
/// profiles whose `track_inhibit` selects a track of the stream left out.
enum LivepeerProfiles {
    /// The largest width or height asked for (no encoder goes beyond it).
    static let maximumSize: Int64 = 16384

    static func resolve(_ profiles: JSONValue, source: StreamTrack, tracks: [StreamTrack]) -> [JSONValue] {
        let sourceWidth = Int64(source.info.width)
        let sourceHeight = Int64(source.info.height)
        var resolved: [JSONValue] = []
        for var profile in profiles.arrayValue ?? [] where profile.isObject {
            if !profile.hasMember("gop") { profile["gop"] = "0.0" }
            if (profile["fps"].doubleValue ?? 0) == 0 {
                profile["fps"] = .int(source.info.fpks > 0 ? Int64(source.info.fpks) : 25000)
                profile["fpsDen"] = 1000
            }
            if !profile.hasMember("profile") { profile["profile"] = "H264High" }
            var width = min(maximumSize, max(0, profile["width"].intValue ?? 0))
            var height = min(maximumSize, max(0, profile["height"].intValue ?? 0))
            if width == 0 && height == 0 {
                (width, height) = (sourceWidth, sourceHeight)
            } else if width == 0 {
                if sourceWidth < sourceHeight {
                    (width, height) = (height, scaled(sourceHeight, height, sourceWidth))
                } else {
                    width = scaled(sourceWidth, height, sourceHeight)
                }
            } else if height == 0 {
                height = scaled(sourceHeight, width, sourceWidth)
            }
            profile["width"] = .int(min(maximumSize, width) / 16 * 16)
            profile["height"] = .int(min(maximumSize, height) / 16 * 16)
            if let inhibitor = profile["track_inhibit"].stringValue {
                let query = "audio=none&video=none&subtitle=none&" + inhibitor
                if !TrackSelector.select(query: query, from: tracks, defaults: false).isEmpty { continue }
                profile.removeMember("track_inhibit")
            }
            resolved.append(profile)
        }
        return resolved
    }

    /// `value * numerator / denominator` without overflow or division by zero.
    private static func scaled(_ value: Int64, _ numerator: Int64, _ denominator: Int64) -> Int64 {
        guard denominator > 0 else { return 0 }
        let (product, overflow) = value.multipliedReportingOverflow(by: numerator)
        return overflow ? maximumSize : product / denominator
    }
}
