import Foundation
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
            for time in frameTimes(part) {
                if let appeared = published.time(ofFLV: UInt32(truncatingIfNeeded: time)) {
                    latencies.append(arrived - appeared)
                }
            }
        }
        return Result(frames: Percentiles(latencies), parts: parts, holdBack: holdBack)
    }

    /// The decode times (ms) of the samples in a part's fragments: each `tfdt` plus the `trun`
    /// durations (or `tfhd`'s default) before each sample.
    static func frameTimes(_ bytes: [UInt8]) -> [UInt64] {
        func uint32(_ at: Int) -> UInt64 {
            guard at >= 0, at + 4 <= bytes.count else { return 0 }
            return bytes[at..<(at + 4)].reduce(0) { $0 << 8 | UInt64($1) }
        }
        var times: [UInt64] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            let size = Int(uint32(offset))
            guard size >= 8, offset + size <= bytes.count else { break }
            if String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self) == "moof" {
                times += fragmentTimes(bytes, from: offset + 8, to: offset + size, uint32)
            }
            offset += size
        }
        return times
    }

    private static func fragmentTimes(
        _ bytes: [UInt8], from start: Int, to end: Int, _ uint32: (Int) -> UInt64
    ) -> [UInt64] {
        var base: UInt64 = 0
        var defaultDuration: UInt64 = 0
        var times: [UInt64] = []
        var offset = start
        while offset + 8 <= end {
            let size = Int(uint32(offset))
            guard size >= 8, offset + size <= end else { break }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            switch type {
            case "traf":
                times += fragmentTimes(bytes, from: offset + 8, to: offset + size, uint32)
            case "tfhd":
                let flags = uint32(offset + 8) & 0xFFFFFF
                var field = offset + 16
                if flags & 0x01 != 0 { field += 8 }
                if flags & 0x02 != 0 { field += 4 }
                if flags & 0x08 != 0 { defaultDuration = uint32(field) }
            case "tfdt":
                base = bytes[offset + 8] == 1 ? uint32(offset + 12) << 32 | uint32(offset + 16) : uint32(offset + 12)
            case "trun":
                let flags = uint32(offset + 8) & 0xFFFFFF
                let count = Int(min(uint32(offset + 12), 10_000))
                var field = offset + 16
                if flags & 0x01 != 0 { field += 4 }
                if flags & 0x04 != 0 { field += 4 }
                var time = base
                for _ in 0..<count {
                    times.append(time)
                    let duration = flags & 0x100 != 0 ? uint32(field) : defaultDuration
                    field += [0x100, 0x200, 0x400, 0x800].filter { flags & $0 != 0 }.count * 4
                    time += duration
                }
            default: break
            }
            offset += size
        }
        return times
    }
}
