import MistCore
import MistData
import MistMedia
import MistRTP
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// RTP over RTSP's TCP interleaving for a fan-out group: each frame packetized once (H.264 in
/// RFC 6184 mode 1, HEVC in RFC 7798, both with the parameter sets before every keyframe; VP8,
/// VP9 and AV1 as `FrameRTPPacketizer` cuts them; AAC as
/// RFC 3640 AAC-hbr, Opus as RFC 7587, A-law and µ-law as RFC 3551 with static payload types
/// for 8 kHz mono) and
/// framed on the channels the group's viewers set up. Video keyframes are where viewers join.
/// Every track's RTCP channel gets a sender report before its first packet and every 5 s of
/// media after, all tracks' RTP clocks tied to one wall clock (so players line them up).
struct RTSPLiveMuxer: LiveMuxer {
    /// What the muxer packetizes, in the order tracks are chosen.
    static let videoCodecs: Set<String> = ["H264", "HEVC", "VP8", "VP9"]
    static let audioCodecs: Set<String> = ["AAC", "opus", "ALAW", "ULAW"]

    struct Track {
        var isVideo: Bool
        var codec = ""
        /// Bytes per sample period (A-law and µ-law: one per channel), to time split frames.
        var channels: UInt64 = 1
        var format: NALUnitFormat = .h264
        var channel: UInt8
        var clockRate: UInt64
        var payloadType: UInt8
        var ssrc = UInt32.random(in: 1...UInt32.max)
        var sequence = UInt16.random(in: 0...UInt16.max)
        var lengthSize = 4
        var parameterSets: [[UInt8]] = []
        /// VP8, VP9 and AV1 tracks' packetizer (which numbers their pictures).
        var pictures: FrameRTPPacketizer?
        var packets: UInt32 = 0
        var octets: UInt32 = 0
        /// Media time of the last sender report.
        var reportedAt: UInt64?
    }

    /// Media milliseconds between sender reports.
    static let reportMilliseconds: UInt64 = 5000
    /// The wall clock (Unix ms) of media time 0, fixed at the first packet.
    private var wallClockBase: Int64?

    /// The largest RTP payload: 1400 for RTSP, what `maxpktsize` leaves for WebRTC.
    private let maximumPayload: Int
    private var tracks: [Track]
    private let hasVideo: Bool

    /// `channels[i]` is the interleaved RTP channel of `tracks[i]`.
    init(tracks streamTracks: [StreamTrack], channels: [UInt8], maximumPayload: Int = 1400) throws {
        self.maximumPayload = max(200, maximumPayload)
        var made: [Track] = []
        for (track, channel) in zip(streamTracks, channels) {
            if track.info.type == "video", let format = FrameRTPFormat(codec: track.info.codec) {
                var entry = Track(isVideo: true, channel: channel, clockRate: 90_000, payloadType: 96)
                entry.codec = track.info.codec
                entry.pictures = FrameRTPPacketizer(format: format, maximumPayload: self.maximumPayload)
                made.append(entry)
            } else if track.info.type == "video" && track.info.codec == "HEVC" {
                var entry = Track(isVideo: true, format: .hevc, channel: channel, clockRate: 90_000, payloadType: 96)
                let configuration = try HEVCDecoderConfiguration(bytes: track.info.initData)
                entry.lengthSize = configuration.lengthSize
                entry.parameterSets = [32, 33, 34].flatMap { type in
                    configuration.arrays.filter { $0.type & 0x3F == type }.flatMap(\.units)
                }
                made.append(entry)
            } else if track.info.type == "video" {
                var entry = Track(isVideo: true, channel: channel, clockRate: 90_000, payloadType: 96)
                let configuration = try AVCDecoderConfiguration(bytes: track.info.initData)
                entry.lengthSize = configuration.lengthSize
                entry.parameterSets = configuration.sequenceParameterSets + configuration.pictureParameterSets
                made.append(entry)
            } else {
                let audio = Self.audioFormat(track.info)
                var entry = Track(
                    isVideo: false, channel: channel, clockRate: audio.clockRate, payloadType: audio.payloadType)
                entry.codec = track.info.codec
                entry.channels = UInt64(max(1, track.info.channels))
                made.append(entry)
            }
        }
        tracks = made
        hasVideo = made.contains { $0.isVideo }
    }

    var header: [UInt8] { [] }

    mutating func add(position: Int, packet: DTSCPacket, data: UnsafeRawBufferPointer, into out: inout [UInt8])
        throws -> Bool
    {
        guard tracks.indices.contains(position) else { return false }
        let track = tracks[position]
        let presentation = UInt64(clamping: Int64(clamping: packet.time).addingClamped(packet.offset))
        let timestamp = UInt32(truncatingIfNeeded: presentation &* track.clockRate / 1000)
        if tracks[position].reportedAt.map({ presentation >= $0 + Self.reportMilliseconds || presentation < $0 })
            ?? true
        {
            report(position, presentation: presentation, timestamp: timestamp, into: &out)
        }
        var payloads: [[UInt8]]
        if track.pictures != nil {
            payloads = tracks[position].pictures?.payloads(Array(data)[...], keyframe: packet.isKeyframe) ?? []
        } else if track.isVideo {
            var nals: [ArraySlice<UInt8>] = packet.isKeyframe ? track.parameterSets.map { $0[...] } : []
            let bytes = Array(data)
            var offset = 0
            while offset + track.lengthSize <= bytes.count {
                var length = 0
                for byte in bytes[offset..<(offset + track.lengthSize)] { length = length << 8 | Int(byte) }
                offset += track.lengthSize
                guard length > 0, length <= bytes.count - offset else { break }
                let nal = bytes[offset..<(offset + length)]
                offset += length
                let type = track.format.type(nal[nal.startIndex])
                // Parameter sets and delimiters in the data are replaced by the configuration's.
                if track.format.isDelimiter(type) || (packet.isKeyframe && track.format.isParameterSet(type)) {
                    continue
                }
                nals.append(nal)
            }
            payloads = NALUnitRTPPacketizer(maximumPayload: maximumPayload, format: track.format).payloads(nals)
        } else if track.codec == "AAC" {
            payloads = AACRTPPacketizer(maximumPayload: maximumPayload).payloads([Array(data)[...]])
                .map(\.payload)
        } else if track.codec == "opus" {
            payloads = data.isEmpty ? [] : [Array(data)]
        } else {
            // G.711: a frame larger than a packet goes in pieces of whole sample periods.
            let bytes = Array(data)
            let step = maximumPayload / Int(track.channels) * Int(track.channels)
            payloads = stride(from: 0, to: bytes.count, by: max(1, step)).map {
                Array(bytes[$0..<min(bytes.count, $0 + step)])
            }
        }
        var pieceOffset: UInt32 = 0
        for (index, payload) in payloads.enumerated() {
            let rtp = RTPPacket(
                marker: track.isVideo ? index == payloads.count - 1 : true, payloadType: track.payloadType,
                sequenceNumber: tracks[position].sequence, timestamp: timestamp &+ pieceOffset, ssrc: track.ssrc,
                payload: payload[...])
            if track.codec == "ALAW" || track.codec == "ULAW" {
                pieceOffset &+= UInt32(truncatingIfNeeded: UInt64(payload.count) / track.channels)
            }
            tracks[position].sequence &+= 1
            tracks[position].packets &+= 1
            tracks[position].octets &+= UInt32(truncatingIfNeeded: payload.count)
            let bytes = rtp.bytes
            out += [
                0x24, track.channel, UInt8(truncatingIfNeeded: bytes.count >> 8),
                UInt8(truncatingIfNeeded: bytes.count),
            ]
            out += bytes
        }
        return hasVideo ? track.isVideo && packet.isKeyframe : true
    }

    mutating func finish() -> [UInt8] { [] }

    /// Each track's last sender report with a BYE in the same compound packet: the end of a
    /// file, so players stop instead of waiting.
    mutating func goodbye() -> [UInt8] {
        var out: [UInt8] = []
        for position in tracks.indices {
            let presentation = tracks[position].reportedAt ?? 0
            let timestamp = UInt32(truncatingIfNeeded: presentation &* tracks[position].clockRate / 1000)
            let compound =
                senderReport(position, presentation: presentation, timestamp: timestamp)
                + RTCPGoodbye(ssrc: tracks[position].ssrc).bytes
            out += interleavedRTCP(position, compound)
        }
        return out
    }

    /// The next sequence number and the RTP time of `milliseconds` on track `position`: what
    /// RTP-Info tells a player after a PLAY that moved the position.
    func rtpInfo(_ position: Int, milliseconds: UInt64) -> (sequence: UInt16, timestamp: UInt32) {
        (tracks[position].sequence, UInt32(truncatingIfNeeded: milliseconds &* tracks[position].clockRate / 1000))
    }

    /// A sender report on the track's RTCP channel (its RTP channel plus one).
    private mutating func report(_ position: Int, presentation: UInt64, timestamp: UInt32, into out: inout [UInt8]) {
        out += interleavedRTCP(position, senderReport(position, presentation: presentation, timestamp: timestamp))
    }

    /// The track's sender report for `presentation`, its RTP clock tied to the wall clock.
    private mutating func senderReport(_ position: Int, presentation: UInt64, timestamp: UInt32) -> [UInt8] {
        let now = unixMilliseconds()
        let base = wallClockBase ?? now.addingClamped(-Int64(clamping: presentation))
        wallClockBase = base
        let wall = UInt64(clamping: base.addingClamped(Int64(clamping: presentation)))
        let ntp = RTCPSenderReport.ntp(unixMilliseconds: wall)
        let track = tracks[position]
        tracks[position].reportedAt = presentation
        return RTCPSenderReport(
            ssrc: track.ssrc, ntpSeconds: ntp.seconds, ntpFraction: ntp.fraction, rtpTimestamp: timestamp,
            packetCount: track.packets, octetCount: track.octets
        ).bytes
    }

    /// An RTCP packet (or compound) framed for the track's interleaved RTCP channel.
    private func interleavedRTCP(_ position: Int, _ packet: [UInt8]) -> [UInt8] {
        [
            0x24, tracks[position].channel &+ 1, UInt8(truncatingIfNeeded: packet.count >> 8),
            UInt8(truncatingIfNeeded: packet.count),
        ] + packet
    }

    /// The SDP for `tracks` of `stream`, controls `track1`, `track2` ... in order; a file says
    /// its `duration` (seconds) as the range players can seek in.
    static func describe(stream: String, host: String, tracks: [StreamTrack], duration: Double? = nil) throws
        -> SessionDescription
    {
        var media: [SessionDescription.Media] = []
        for (number, track) in tracks.enumerated() {
            if track.info.type == "video", FrameRTPFormat(codec: track.info.codec) != nil {
                var section = SessionDescription.Media(kind: "video", port: 0, transport: "RTP/AVP", formats: ["96"])
                section.attributes = [("rtpmap", "96 \(track.info.codec)/90000"), ("control", "track\(number + 1)")]
                media.append(section)
            } else if track.info.type == "video" && track.info.codec == "HEVC" {
                let configuration = try HEVCDecoderConfiguration(bytes: track.info.initData)
                func sets(_ type: UInt8) -> String {
                    configuration.arrays.filter { $0.type & 0x3F == type }.flatMap(\.units).map(Base64.encode)
                        .joined(separator: ",")
                }
                var section = SessionDescription.Media(kind: "video", port: 0, transport: "RTP/AVP", formats: ["96"])
                section.attributes = [
                    ("rtpmap", "96 H265/90000"),
                    ("fmtp", "96 sprop-vps=\(sets(32));sprop-sps=\(sets(33));sprop-pps=\(sets(34))"),
                    ("control", "track\(number + 1)"),
                ]
                media.append(section)
            } else if track.info.type == "video" {
                let configuration = try AVCDecoderConfiguration(bytes: track.info.initData)
                let sets = (configuration.sequenceParameterSets + configuration.pictureParameterSets)
                    .map(Base64.encode).joined(separator: ",")
                let level = Hex.encode([configuration.profile, configuration.compatibility, configuration.level])
                var section = SessionDescription.Media(kind: "video", port: 0, transport: "RTP/AVP", formats: ["96"])
                section.attributes = [
                    ("rtpmap", "96 H264/90000"),
                    ("fmtp", "96 packetization-mode=1;profile-level-id=\(level);sprop-parameter-sets=\(sets)"),
                    ("control", "track\(number + 1)"),
                ]
                media.append(section)
            } else {
                let audio = audioFormat(track.info)
                var section = SessionDescription.Media(
                    kind: "audio", port: 0, transport: "RTP/AVP", formats: ["\(audio.payloadType)"])
                if let rtpmap = audio.rtpmap { section.attributes.append(("rtpmap", "\(audio.payloadType) \(rtpmap)")) }
                if let fmtp = audio.fmtp { section.attributes.append(("fmtp", "\(audio.payloadType) \(fmtp)")) }
                section.attributes.append(("control", "track\(number + 1)"))
                media.append(section)
            }
        }
        return SessionDescription(
            lines: [("v", "0"), ("o", "- 0 0 IN IP4 \(host)"), ("s", stream), ("c", "IN IP4 0.0.0.0"), ("t", "0 0")],
            attributes: [
                ("control", "*"), ("range", duration.map { "npt=0-" + RTSPFilePlayback.npt($0) } ?? "npt=now-"),
            ], media: media)
    }

    /// How an audio track goes into RTP: payload type, clock, and its SDP lines (MistServer's
    /// payload type numbers; the static G.711 types carry no rtpmap).
    static func audioFormat(_ info: TrackInfo) -> (
        payloadType: UInt8, clockRate: UInt64, rtpmap: String?, fmtp: String?
    ) {
        let channels = max(1, info.channels)
        let rate = UInt64(max(1, info.rate))
        switch info.codec {
        case "opus":
            return (102, 48000, "opus/48000/2", channels > 1 ? "sprop-stereo=1" : nil)
        case "ALAW", "ULAW":
            let name = info.codec == "ALAW" ? "PCMA" : "PCMU"
            if rate == 8000 && channels == 1 { return (info.codec == "ALAW" ? 8 : 0, 8000, nil, nil) }
            return (info.codec == "ALAW" ? 101 : 105, rate, "\(name)/\(rate)/\(channels)", nil)
        default:
            return (
                97, rate, "MPEG4-GENERIC/\(rate)/\(channels)",
                "streamtype=5;profile-level-id=15;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;"
                    + "config=\(Hex.encode(info.initData))"
            )
        }
    }
}
