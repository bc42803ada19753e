import Logging
import MistCore
import MistData
import MistMedia
import MistRTMP
import MistShm
import MistStream

/// A stream played to one RTMP or HTTP-FLV viewer: metadata and decoder configurations first,
/// then every packet of the chosen video and audio track as FLV audio/video bodies (RTMP messages
/// or FLV tags, by the `Sink` given), video from a keyframe on, timestamps counted from the first
/// packet sent (as MistServer does).
final class FLVPlayback {
    /// Where bodies go: `(type, timestamp, prefix, payload, output)`.
    typealias Sink = @Sendable (UInt8, UInt32, [UInt8], UnsafeRawBufferPointer, inout [UInt8]) -> Void

    /// RTMP messages on the stream's chunk streams.
    static func rtmp(_ encoder: RTMPChunkEncoder) -> Sink {
        { type, timestamp, prefix, body, out in
            encoder.encode(
                type: type, streamID: 1, timestamp: timestamp,
                chunkStream: type == RTMPMessage.Kind.video
                    ? FLVPlayback.videoChunkStream : FLVPlayback.audioChunkStream,
                prefix: prefix, body: body, into: &out)
        }
    }

    /// FLV file tags.
    static let flvTags: Sink = { type, timestamp, prefix, body, out in
        FLVTag.append(type: type, timestamp: timestamp, prefix: prefix, body: body, into: &out)
    }

    static let videoCodecs: Set<String> = ["H264", "HEVC", "AV1"]
    static let audioCodecs: Set<String> = ["AAC", "MP3"]
    static let audioChunkStream: UInt32 = 4
    static let videoChunkStream: UInt32 = 6
    static let dataChunkStream: UInt32 = 5

    let stream: String
    let reader: StreamReader
    let video: StreamTrack?
    let audio: StreamTrack?
    /// The media time of the first packet sent (nil before one), and of the newest.
    private(set) var origin: UInt64?
    /// When the first packet went out, and the newest packet time sent: files are sent at their
    /// own pace after a head start, as MistServer does, not as fast as the socket takes them.
    private var startedAt: Double?
    private(set) var newestSent: UInt64 = 0
    static let headStartMilliseconds: Double = 5000
    private var sawVideoKey = false
    var paused = false
    /// The stream time after which playback ends (a viewer's `stop=`).
    var stop: UInt64?
    private(set) var ended = false

    /// Opens `stream` (starting its input under a controller) and picks its tracks; throws when
    /// nothing in it can go over RTMP.
    init(stream: String, query: [String: String] = [:], logger: Logger) throws {
        self.stream = stream
        (reader, video, audio) = try TrackChoice.open(
            stream, videoCodecs: FLVPlayback.videoCodecs, audioCodecs: FLVPlayback.audioCodecs, query: query,
            logger: logger)
    }

    /// Plays a stream its caller opened (with `TrackChoice.open`).
    init(stream: String, opened: (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?)) {
        self.stream = stream
        (reader, video, audio) = opened
    }

    var isLive: Bool { reader.isLive }

    /// The length in seconds of a running file stream; 0 for live or unknown streams.
    static func duration(of stream: String) -> Double {
        guard let reader = try? StreamReader(stream: stream, waitMilliseconds: 0), !reader.isLive else { return 0 }
        let tracks = reader.tracks()
        let last = tracks.map(\.lastMs).max() ?? 0
        let first = tracks.map(\.firstMs).min() ?? 0
        return Double(last - min(first, last)) / 1000
    }

    /// Moves to the keyframe at or before `milliseconds` (from the stream's start, as sent).
    func seek(to milliseconds: UInt64) throws {
        try reader.seek(to: (origin ?? 0) + milliseconds)
        sawVideoKey = false
        // Pace again from the new position.
        startedAt = monotonicSeconds() - Double(milliseconds) / 1000
        newestSent = (origin ?? 0) + milliseconds
    }

    /// The `onMetaData` data message.
    func metadata() -> RTMPMessage {
        var duration: Double?
        if !reader.isLive {
            let last = [video, audio].compactMap { $0?.lastMs }.max() ?? 0
            let first = [video, audio].compactMap { $0?.firstMs }.min() ?? 0
            duration = Double(last - min(first, last)) / 1000
        }
        return RTMPMessage(
            type: RTMPMessage.Kind.dataAMF0, streamID: 1, timestamp: 0,
            payload: FLVPlayback.metadataBody(video: video, audio: audio, duration: duration))
    }

    /// The AMF0 body of `onMetaData` for these tracks (`duration` only for files).
    static func metadataBody(video: StreamTrack?, audio: StreamTrack?, duration: Double?) -> [UInt8] {
        var members: [(String, AMFValue)] = []
        if let video {
            members += [
                ("width", .number(Double(video.info.width))), ("height", .number(Double(video.info.height))),
                (
                    "videocodecid",
                    video.info.codec == "H264"
                        ? .number(7) : .string(FLVMedia.fourCC(video.info.codec) ?? video.info.codec)
                ),
            ]
            if video.info.fpks > 0 { members.append(("framerate", .number(Double(video.info.fpks) / 1000))) }
        }
        if let audio {
            members += [
                ("audiocodecid", .number(audio.info.codec == "AAC" ? 10 : 2)),
                ("audiosamplerate", .number(Double(audio.info.rate))),
                ("audiochannels", .number(Double(audio.info.channels))), ("stereo", .bool(audio.info.channels > 1)),
            ]
        }
        if let duration { members.append(("duration", .number(duration))) }
        members.append(("encoder", .string("MistSwift")))
        return AMF0.encode([.string("onMetaData"), .ecmaArray(members)])
    }

    /// Appends the decoder configurations to `out` (sent again after a seek is harmless).
    func configurations(sink: Sink, into out: inout [UInt8]) {
        if let video, !video.info.initData.isEmpty,
            let prefix = FLVMedia.videoPrefix(codec: video.info.codec, keyframe: true, configuration: true, offset: 0)
        {
            video.info.initData.withUnsafeBytes { body in sink(RTMPMessage.Kind.video, 0, prefix, body, &out) }
        }
        if let audio, !audio.info.initData.isEmpty,
            let prefix = FLVMedia.audioPrefix(
                codec: audio.info.codec, rate: audio.info.rate, channels: audio.info.channels, configuration: true)
        {
            audio.info.initData.withUnsafeBytes { body in sink(RTMPMessage.Kind.audio, 0, prefix, body, &out) }
        }
    }

    /// The FLV body prefix of a media packet of `track` (nil for codecs FLV cannot carry).
    static func prefix(_ track: StreamTrack, _ packet: DTSCPacket) -> [UInt8]? {
        if track.info.type == "video" {
            return FLVMedia.videoPrefix(
                codec: track.info.codec, keyframe: packet.isKeyframe, configuration: false,
                offset: Int32(clamping: packet.offset))
        }
        return FLVMedia.audioPrefix(
            codec: track.info.codec, rate: track.info.rate, channels: track.info.channels, configuration: false)
    }

    /// Appends up to `budget` bytes of media that is ready now; false when nothing was ready.
    func pump(sink: Sink, into out: inout [UInt8], budget: Int) throws -> Bool {
        guard !paused, !ended else { return false }
        var produced = false
        while out.count < budget {
            if !reader.isLive, let startedAt, let origin {
                let ahead = Double(newestSent &- origin) - (monotonicSeconds() - startedAt) * 1000
                if ahead > FLVPlayback.headStartMilliseconds { return produced }
            }
            switch try reader.next(timeoutMilliseconds: 0) {
            case .timeout: return produced
            case .end:
                ended = true
                return produced
            case .packet(let packet):
                produced = true
                if let stop, packet.time > stop {
                    ended = true
                    return produced
                }
                guard let data = packet.data else { continue }
                let isVideo = video.map { Int($0.index) == Int(packet.trackID) } ?? false
                let track = isVideo ? video : audio
                guard let track else { continue }
                if isVideo && !sawVideoKey {
                    guard packet.isKeyframe else { continue }
                    sawVideoKey = true
                }
                let origin = self.origin ?? packet.time
                self.origin = origin
                if startedAt == nil { startedAt = monotonicSeconds() }
                newestSent = max(newestSent, packet.time)
                let timestamp = UInt32(truncatingIfNeeded: packet.time &- min(origin, packet.time))
                guard let prefix = FLVPlayback.prefix(track, packet) else { continue }
                sink(isVideo ? RTMPMessage.Kind.video : RTMPMessage.Kind.audio, timestamp, prefix, data, &out)
            }
        }
        return produced
    }
}
