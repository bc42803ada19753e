import MistCore
import MistData
import MistShm
import NIOCore

/// A file played to one RTSP viewer: packetized for it alone (files are not shared like live
/// streams: each viewer has its own position), from where PLAY's `Range` asked, at the file's own
/// pace with a short lead, and ended with an RTCP BYE on every track so the player stops.
final class RTSPFilePlayback {
    let reader: StreamReader
    let tracks: [StreamTrack]
    private var muxer: RTSPLiveMuxer
    private var feed: PacketFeed
    /// Where pacing is anchored: the stream time sent at the monotonic instant, set by the first
    /// packet after a start, a seek or a pause.
    private var anchor: (time: UInt64, at: Double)?
    private var newestSent: UInt64 = 0
    private(set) var ended = false
    /// How far ahead of the file's clock packets may go (jitter buffers take it; a burst of
    /// seconds over UDP would not be).
    static let leadMilliseconds = 1000.0

    init(reader: StreamReader, tracks: [StreamTrack], channels: [UInt8]) throws {
        self.reader = reader
        self.tracks = tracks
        muxer = try RTSPLiveMuxer(tracks: tracks, channels: channels)
        feed = PacketFeed(reader, tracks: tracks)
    }

    /// The file's length in seconds (from its first to its last packet).
    static func duration(_ tracks: [StreamTrack]) -> Double {
        let first = tracks.map(\.firstMs).min() ?? 0
        let last = tracks.map(\.lastMs).max() ?? 0
        return Double(last - min(first, last)) / 1000
    }

    /// Seconds (a client's, so perhaps negative, huge or not a number) as milliseconds, within
    /// 0 and 10^15.
    static func milliseconds(_ seconds: Double) -> Int64 {
        guard seconds.isFinite else { return 0 }
        let bounded = min(max(seconds, 0), 1e12)
        return Int64((bounded * 1000).rounded())
    }

    /// Seconds as RTSP's npt writes them (`12.345`).
    static func npt(_ seconds: Double) -> String {
        let milliseconds = Self.milliseconds(seconds)
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// The start of a `Range: npt=<start>-[<end>]` header in seconds; nil when there is none, or
    /// it is `now` or not a finite, non-negative number.
    static func rangeStart(_ header: String?) -> Double? {
        guard let header, let npt = header.split(separator: ";").first(where: { $0.hasPrefix("npt=") }) else {
            return nil
        }
        let start = npt.dropFirst(4).prefix { $0 != "-" }
        guard let seconds = Double(start), seconds.isFinite, seconds >= 0 else { return nil }
        return seconds
    }

    /// Moves to the keyframe at or before `seconds` from the file's start.
    func seek(seconds: Double) throws {
        let first = tracks.map(\.firstMs).min() ?? 0
        let target = first &+ UInt64(clamping: Self.milliseconds(seconds))
        try reader.seek(to: target)
        feed = PacketFeed(reader, tracks: tracks)
        anchor = nil
        ended = false
    }

    /// The position playback goes on from, in seconds from the file's start.
    var position: Double {
        let first = tracks.map(\.firstMs).min() ?? 0
        return Double(newestSent &- min(first, newestSent)) / 1000
    }

    /// Pacing starts again from the next packet (after a pause).
    func pause() { anchor = nil }

    /// `RTP-Info` for a PLAY from `seconds`: each track's URL, next sequence number and the RTP
    /// time of that position.
    func rtpInfo(base: String, seconds: Double) -> String {
        let first = tracks.map(\.firstMs).min() ?? 0
        let milliseconds = first &+ UInt64(clamping: Self.milliseconds(seconds))
        return tracks.indices.map { position in
            let info = muxer.rtpInfo(position, milliseconds: milliseconds)
            return "url=\(base)/track\(position + 1);seq=\(info.sequence);rtptime=\(info.timestamp)"
        }.joined(separator: ",")
    }

    /// What goes out now: packets up to the lead, a wait until the file's clock catches up, or
    /// the BYE and the end.
    func next(budget: Int) throws -> ChannelPump.Step {
        guard !ended else { return .end }
        var out: [UInt8] = []
        while out.count < budget {
            if let anchor {
                let ahead = Double(newestSent &- min(anchor.time, newestSent)) - (monotonicSeconds() - anchor.at) * 1000
                if ahead > Self.leadMilliseconds {
                    if !out.isEmpty { return .bytes(out) }
                    return .waitFor(.milliseconds(Int64(min(100, max(5, ahead - Self.leadMilliseconds)))))
                }
            }
            switch try feed.next() {
            case .wait:
                return out.isEmpty ? .wait : .bytes(out)
            case .end:
                ended = true
                return .bytes(out + muxer.goodbye())
            case .packet(let position, let packet, let data):
                if anchor == nil {
                    anchor = (packet.time, monotonicSeconds())
                    newestSent = packet.time
                }
                newestSent = max(newestSent, packet.time)
                _ = try muxer.add(position: position, packet: packet, data: data, into: &out)
            }
        }
        return .bytes(out)
    }
}
