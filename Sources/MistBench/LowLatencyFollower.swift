import Foundation
import MistMedia
import MistNet

/// `MistBench latency`'s LL-HLS player: follows the CMAF video playlist of the `bench` stream
/// part by part as a low-latency player does (the playlist, then its preload hint, which the
/// server holds until the part is complete), and times each frame from its appearance in the
/// stream's pages to the arrival of the part that carries it.
enum LowLatencyFollower {
    struct Result {
        /// Frame latency in milliseconds: from publication to the part's arrival.
        var frames: Percentiles
        var parts: Int
        /// The playlist's PART-HOLD-BACK in milliseconds: how far behind the newest part a
        /// player holds its position.
        var holdBack: Double
    }

    static func follow(port: Int, published: PublishTimes, seconds: Double) throws -> Result {
        let base = "http://127.0.0.1:\(port)/cmaf/bench/"
        let master = String(decoding: try HTTPClient.get(base + "index.m3u8").body, as: UTF8.self)
        guard let variant = master.split(whereSeparator: \.isNewline).first(where: { !$0.hasPrefix("#") }) else {
            return Result(frames: Percentiles([]), parts: 0, holdBack: 0)
        }
        let path = String(variant.prefix { $0 != "?" })
        let directory =
            base + path.prefix(upTo: path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex)
        // Parts are fragments of this track's init segment: our MP4 demuxer reads their times.
        let initSegment = try HTTPClient.get(directory + "init.m4s").body
        var latencies: [Double] = []
        var parts = 0
        var holdBack = 0.0
        var last = ""
        let deadline = benchNow() + seconds
        while benchNow() < deadline {
            let playlist = String(decoding: try HTTPClient.get(base + path).body, as: UTF8.self)
            if let control = playlist.range(of: "PART-HOLD-BACK=") {
                holdBack = (Double(playlist[control.upperBound...].prefix { $0 == "." || $0.isNumber }) ?? 0) * 1000
            }
            guard let hint = playlist.range(of: "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"") else {
                usleep(50_000)
                continue
            }
            let name = String(playlist[hint.upperBound...].prefix { $0 != "\"" })
            guard name != last else {
                usleep(5_000)
                continue
            }
            last = name
            let part = try HTTPClient.get(directory + name).body
            let arrived = benchNow()
            parts += 1
            for time in (try? MP4Demuxer(bytes: initSegment + part))?.samples.map(\.time) ?? [] {
                if let appeared = published.time(ofFLV: UInt32(truncatingIfNeeded: time)) {
                    latencies.append(arrived - appeared)
                }
            }
        }
        return Result(frames: Percentiles(latencies), parts: parts, holdBack: holdBack)
    }
}
