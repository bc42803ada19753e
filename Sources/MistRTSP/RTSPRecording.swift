import MistData
import MistMedia
import MistRTMP
import MistRTP

/// A publisher's RTSP session after ANNOUNCE: its tracks from the SDP (H.264, HEVC, VP8, VP9,
/// AV1, AAC as `mpeg4-generic` or `MP4A-LATM`, Opus, A-law and µ-law), which interleaved channel feeds which,
/// and the conversion of their RTP into the DTSC frames the buffer takes. Pictures and AAC
/// frames are handed to `RTMPIngest` as the FLV payloads RTMP would carry, so both protocols
/// build tracks and headers the same way; the other audio is described to it directly.
public struct RTSPRecording {
    public enum Codec {
        /// H.264 or HEVC, as the depacketizer's format says.
        case video(NALUnitRTPDepacketizer)
        case aac(AACRTPDepacketizer, config: [UInt8])
        case latm(LATMRTPDepacketizer)
        /// One frame per packet, as it is: Opus (RFC 7587), A-law and µ-law (RFC 3551).
        case frames(codec: String, channels: Int)
        /// VP8, VP9 or AV1: whole frames from their pieces; the track is described at the first
        /// keyframe (its size, and AV1's sequence header as `av1C`).
        case pictures(FrameRTPDepacketizer)
    }

    public struct Track {
        public var codec: Codec
        /// `a=control` of the media section (`streamid=0`, `trackID=1` ...).
        public var control: String
        public var clockRate: Int
        var vps: [UInt8]?
        var sps: [UInt8]?
        var pps: [UInt8]?
        var configSent = false
        /// Decode times for the track's pictures, once its parameter sets say how deep they reorder.
        var timeline: DecodeOrderTimeline?
        var firstTimestamp: UInt32?
        var lastTimestamp: UInt32 = 0
        var elapsed: Int64 = 0
    }

    public private(set) var tracks: [Track] = []
    /// Interleaved channel → track index (RTCP channels are absent: their packets are skipped).
    public var channels: [UInt8: Int] = [:]
    private var ingest = RTMPIngest()
    /// Media sections that are neither H.264 nor AAC, for the log.
    public private(set) var skipped: [String] = []
    /// Milliseconds every track's times move later: room for the decode times of video that
    /// reorders, as deep as the SDP's parameter sets say (see `DecodeOrderTimeline`).
    private var lead: Int64 = 0

    public init(_ description: SessionDescription) {
        for media in description.media {
            guard let format = media.formats.first, let map = media.rtpmap(format), map.clockRate > 0 else {
                skipped.append(media.kind)
                continue
            }
            let control = media.attribute("control") ?? ""
            let parameters = media.fmtp(format)
            switch map.encoding.uppercased() {
            case "H264":
                var track = Track(
                    codec: .video(NALUnitRTPDepacketizer()), control: control, clockRate: map.clockRate)
                for set in (parameters["sprop-parameter-sets"] ?? "").split(separator: ",") {
                    guard let unit = Base64.decode(set), let header = unit.first else { continue }
                    if header & 0x1F == 7 { track.sps = unit }
                    if header & 0x1F == 8 { track.pps = unit }
                }
                tracks.append(track)
            case "H265":
                var track = Track(
                    codec: .video(NALUnitRTPDepacketizer(format: .hevc)), control: control, clockRate: map.clockRate)
                track.vps = parameters["sprop-vps"].flatMap { Base64.decode(Substring($0)) }
                track.sps = parameters["sprop-sps"].flatMap { Base64.decode(Substring($0)) }
                track.pps = parameters["sprop-pps"].flatMap { Base64.decode(Substring($0)) }
                tracks.append(track)
            case "VP8" where media.kind == "video", "VP9" where media.kind == "video",
                "AV1" where media.kind == "video":
                guard let format = FrameRTPFormat(codec: map.encoding.uppercased()) else { continue }
                tracks.append(
                    Track(
                        codec: .pictures(FrameRTPDepacketizer(format: format)), control: control,
                        clockRate: map.clockRate))
            case "MPEG4-GENERIC" where media.kind == "audio":
                let config = Hex.decode(parameters["config"] ?? "")
                guard config.count >= 2 else {
                    skipped.append("audio without an AAC config")
                    continue
                }
                tracks.append(
                    Track(
                        codec: .aac(AACRTPDepacketizer(fmtp: parameters), config: config), control: control,
                        clockRate: map.clockRate))
            case "MP4A-LATM" where media.kind == "audio":
                guard parameters["cpresent"] != "1",
                    let depacketizer = try? LATMRTPDepacketizer(
                        streamMuxConfig: Hex.decode(parameters["config"] ?? ""))
                else {
                    skipped.append("LATM audio without a usable StreamMuxConfig")
                    continue
                }
                tracks.append(Track(codec: .latm(depacketizer), control: control, clockRate: map.clockRate))
            case "OPUS" where media.kind == "audio":
                // RFC 7587 always says /2 in the rtpmap; sprop-stereo tells what is sent.
                let channels = parameters["sprop-stereo"] == "1" ? 2 : 1
                tracks.append(
                    Track(codec: .frames(codec: "opus", channels: channels), control: control, clockRate: 48000))
            case "PCMA" where media.kind == "audio", "PCMU" where media.kind == "audio":
                let codec = map.encoding.uppercased() == "PCMA" ? "ALAW" : "ULAW"
                let channels = min(8, max(1, map.channels ?? 1))
                tracks.append(
                    Track(
                        codec: .frames(codec: codec, channels: channels), control: control, clockRate: map.clockRate))
            default:
                skipped.append("\(media.kind) \(map.encoding)")
            }
        }
        for track in tracks {
            guard case .video(let depacketizer) = track.codec, let record = Self.record(track, depacketizer.format)
            else { continue }
            lead = max(
                lead, Int64(Self.reorderDepth(depacketizer.format, record: record)) * DecodeOrderTimeline.leadPerPicture
            )
        }
    }

    /// The decoder configuration record of a video track's parameter sets, when it has them all.
    static func record(_ track: Track, _ format: NALUnitFormat) -> [UInt8]? {
        guard let sps = track.sps, let pps = track.pps else { return nil }
        if format == .h264 { return DecoderConfigurationBuilder.avcC(sps: [sps], pps: [pps]) }
        return track.vps.flatMap { DecoderConfigurationBuilder.hvcC(vps: [$0], sps: [sps], pps: [pps]) }
    }

    /// The track a SETUP URL names: the one whose control the URL ends with, else the next one
    /// not yet set up.
    public func track(forSetup url: String, taken: Set<Int>) -> Int? {
        if let index = tracks.indices.first(where: { !tracks[$0].control.isEmpty && url.hasSuffix(tracks[$0].control) })
        {
            return index
        }
        return tracks.indices.first { !taken.contains($0) }
    }

    /// The DTSC frames an interleaved RTP packet results in.
    public mutating func receive(channel: UInt8, payload: [UInt8]) throws -> [UInt8] {
        guard let index = channels[channel], tracks.indices.contains(index) else { return [] }
        let packet = try RTPPacket(parsing: payload[...])
        var out: [UInt8] = []
        switch tracks[index].codec {
        case .video(var depacketizer):
            let pictures = try depacketizer.push(packet)
            tracks[index].codec = .video(depacketizer)
            for picture in pictures where !picture.damaged {
                out += try video(picture, format: depacketizer.format, track: index)
            }
        case .aac(var depacketizer, let config):
            let frames = try depacketizer.push(packet)
            tracks[index].codec = .aac(depacketizer, config: config)
            out += try aac(frames, config: config, timestamp: packet.timestamp, track: index)
        case .latm(var depacketizer):
            let frames = try depacketizer.push(packet)
            tracks[index].codec = .latm(depacketizer)
            out += try aac(
                frames, config: depacketizer.audioSpecificConfig, timestamp: packet.timestamp, track: index)
        case .pictures(var depacketizer):
            let frames = try depacketizer.push(packet)
            tracks[index].codec = .pictures(depacketizer)
            for frame in frames where !frame.damaged {
                out += try picture(frame, format: depacketizer.format, track: index)
            }
        case .frames(let codec, let channels):
            let time = UInt32(truncatingIfNeeded: milliseconds(packet.timestamp, track: index) &+ lead)
            guard !packet.payload.isEmpty else { return [] }
            if !tracks[index].configSent {
                tracks[index].configSent = true
                let head = codec == "opus" ? OpusHeader(channels: UInt8(channels)).opusHead : []
                out += ingest.describeAudio(
                    codec: codec, rate: tracks[index].clockRate, channels: channels,
                    sampleSize: codec == "opus" ? 16 : 8, initData: head)
            }
            out += try ingest.audioFrame(timestamp: time, data: packet.payload)
        }
        return out
    }

    /// A VP8, VP9 or AV1 frame; until the first keyframe describes the track, frames are dropped.
    private mutating func picture(_ frame: FrameRTPDepacketizer.Frame, format: FrameRTPFormat, track index: Int)
        throws -> [UInt8]
    {
        var out: [UInt8] = []
        let time = UInt32(truncatingIfNeeded: milliseconds(frame.timestamp, track: index) &+ lead)
        if !tracks[index].configSent {
            guard frame.keyframe else { return [] }
            var size = (width: 0, height: 0)
            var initData: [UInt8] = []
            switch format {
            case .vp8, .vp9:
                let header =
                    format == .vp8 ? try VPxFrameHeader.vp8(frame.data[...]) : try VPxFrameHeader.vp9(frame.data[...])
                size = (header.width, header.height)
            case .av1:
                guard let sequence = AV1SequenceHeader.find(in: try AV1OBU.split(frame.data[...])) else { return [] }
                size = (sequence.width, sequence.height)
                initData = sequence.configurationRecord
            }
            tracks[index].configSent = true
            out += ingest.describeVideo(codec: format.codec, width: size.width, height: size.height, initData: initData)
        }
        out += try ingest.videoFrame(timestamp: time, keyframe: frame.keyframe, data: frame.data[...])
        return out
    }

    /// AAC frames of one packet, the configuration sent before the first.
    private mutating func aac(_ frames: [[UInt8]], config: [UInt8], timestamp: UInt32, track index: Int) throws
        -> [UInt8]
    {
        var out: [UInt8] = []
        let time = UInt32(truncatingIfNeeded: milliseconds(timestamp, track: index) &+ lead)
        guard !frames.isEmpty else { return [] }
        if !tracks[index].configSent {
            tracks[index].configSent = true
            out += try ingest.handle(message(8, time: time, [0xAF, 0x00] + config))
        }
        // Frames after the first in one packet follow at 1024 samples each.
        for (offset, frame) in frames.enumerated() {
            let frameTime = time &+ UInt32(clamping: offset * 1024 * 1000 / max(1, tracks[index].clockRate))
            out += try ingest.handle(message(8, time: frameTime, [0xAF, 0x01] + frame))
        }
        return out
    }

    private mutating func video(_ picture: NALUnitRTPDepacketizer.AccessUnit, format: NALUnitFormat, track index: Int)
        throws -> [UInt8]
    {
        var out: [UInt8] = []
        var keyframe = false
        var body: [UInt8] = []
        for nal in picture.nals {
            guard let header = nal.first else { continue }
            let type = format.type(header)
            if format.isParameterSet(type) {
                let slot: WritableKeyPath<Track, [UInt8]?> =
                    format == .h264 ? (type == 7 ? \.sps : \.pps) : (type == 32 ? \.vps : type == 33 ? \.sps : \.pps)
                if tracks[index][keyPath: slot] != nal { tracks[index].configSent = false }
                tracks[index][keyPath: slot] = nal
                continue
            }
            // Access unit delimiters are not carried in FLV.
            if format.isDelimiter(type) { continue }
            if format.isKeyframe(type) { keyframe = true }
            body += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: nal.count >> $0) } + nal
        }
        let wide = milliseconds(picture.timestamp, track: index)
        let time = UInt32(truncatingIfNeeded: wide)
        let codec = format == .h264 ? "H264" : "HEVC"
        if !tracks[index].configSent {
            if let record = Self.record(tracks[index], format),
                let prefix = FLVMedia.videoPrefix(codec: codec, keyframe: true, configuration: true, offset: 0)
            {
                tracks[index].configSent = true
                out += try ingest.handle(message(9, time: time, prefix + record))
                if tracks[index].timeline == nil {
                    tracks[index].timeline = DecodeOrderTimeline(
                        depth: Self.reorderDepth(format, record: record), lead: lead)
                }
            }
        }
        guard !body.isEmpty, tracks[index].configSent, var timeline = tracks[index].timeline else { return out }
        let times = timeline.times(presentation: wide)
        tracks[index].timeline = timeline
        guard
            let prefix = FLVMedia.videoPrefix(
                codec: codec, keyframe: keyframe, configuration: false,
                offset: Int32(clamping: times.presentation - times.decode))
        else { return out }
        out += try ingest.handle(message(9, time: UInt32(truncatingIfNeeded: times.decode), prefix + body))
        return out
    }

    /// How many pictures a track reorders, from its decoder configuration; 0 when it does not
    /// say (the timeline then learns it from the stream).
    static func reorderDepth(_ format: NALUnitFormat, record: [UInt8]) -> Int {
        if format == .h264 {
            guard let sps = try? AVCDecoderConfiguration(bytes: record).sps() else { return 0 }
            return Int(sps.reorderDepth ?? 0)
        }
        return Int((try? HEVCDecoderConfiguration(bytes: record).reorderDepth()) ?? 0)
    }

    /// A track's RTP time as milliseconds since its first packet (32-bit wraps followed; the
    /// messages carry it cut to 32 bits, which the ingest extends again).
    private mutating func milliseconds(_ timestamp: UInt32, track index: Int) -> Int64 {
        if tracks[index].firstTimestamp == nil {
            tracks[index].firstTimestamp = timestamp
            tracks[index].lastTimestamp = timestamp
        }
        // Clamped: a sender's clock is outside data, and may jump by ±2^31 every packet.
        tracks[index].elapsed = tracks[index].elapsed.addingClamped(
            Int64(Int32(bitPattern: timestamp &- tracks[index].lastTimestamp)))
        tracks[index].lastTimestamp = timestamp
        let ticks = max(0, tracks[index].elapsed)
        let (scaled, overflow) = ticks.multipliedReportingOverflow(by: 1000)
        let milliseconds =
            overflow ? ticks / Int64(tracks[index].clockRate) * 1000 : scaled / Int64(tracks[index].clockRate)
        return milliseconds
    }

    private func message(_ type: UInt8, time: UInt32, _ payload: [UInt8]) -> RTMPMessage {
        RTMPMessage(type: type, streamID: 1, timestamp: time, payload: payload)
    }
}
