import MistRTP

/// The server's SDP answer to a `WebRTCOffer` (RFC 8829 5.3): ICE-lite with host candidates, DTLS
/// as the passive side, every media section bundled on one transport with rtcp-mux, and per
/// section the offered codec chosen for what the server sends or receives there; sections the
/// server cannot fill are rejected (port 0).
public struct WebRTCAnswer: Sendable {
    /// What the server does in one media section.
    public struct Section: Sendable, Equatable {
        public var mid: String
        public var kind: String
        /// The offered codec used here; nil when the section is rejected.
        public var codec: WebRTCOffer.Codec?
        /// The SSRC this server sends from (playback), 0 when it only receives.
        public var ssrc: UInt32
        /// The feedback kept from the offer (what this server answers or sends).
        public var feedback: [String]
        public var direction: String
        /// A rejected section's format: the first the offer listed (some stacks look for it).
        public var rejectedFormat: WebRTCOffer.Codec?

        public init(
            mid: String, kind: String, codec: WebRTCOffer.Codec?, ssrc: UInt32, feedback: [String], direction: String
        ) {
            self.mid = mid
            self.kind = kind
            self.codec = codec
            self.ssrc = ssrc
            self.feedback = feedback
            self.direction = direction
        }
    }

    /// A host candidate: an address peers can reach the session's port at.
    public struct Candidate: Sendable, Equatable {
        public var address: String
        public var port: Int

        public init(address: String, port: Int) {
            self.address = address
            self.port = port
        }
    }

    public var sections: [Section]
    public var iceUsername: String
    public var icePassword: String
    public var fingerprint: String
    public var candidates: [Candidate]
    /// Names the media stream (`a=msid`) and the RTCP CNAME.
    public var streamName: String
    public var sessionID: UInt64

    /// The feedback this server takes part in.
    public static let supportedFeedback: Set<String> = ["nack", "nack pli", "ccm fir", "goog-remb"]

    public init(
        sections: [Section], iceUsername: String, icePassword: String, fingerprint: String,
        candidates: [Candidate], streamName: String, sessionID: UInt64 = .random(in: 1...(UInt64(1) << 62))
    ) {
        self.sections = sections
        self.iceUsername = iceUsername
        self.icePassword = icePassword
        self.fingerprint = fingerprint
        self.candidates = candidates
        self.streamName = streamName
        self.sessionID = sessionID
    }

    /// The answer's sections for playback (the server sends): `video` and `audio` name the
    /// stream's codecs in MistServer's spelling (`H264`, `VP8`, `VP9`, `AV1`, `opus`, `ALAW`,
    /// `ULAW`), `h264Profile` the H.264 profile_idc to prefer. Each offered section of that kind
    /// that may receive gets the first fitting codec; one section per kind is used.
    public static func playbackSections(
        offer: WebRTCOffer, video: String?, audio: String?, h264Profile: UInt8? = nil
    ) -> [Section] {
        sections(
            offer, peerDirection: "recvonly", direction: "sendonly", video: video.map { [$0] } ?? [],
            audio: audio.map { [$0] } ?? [], h264Profile: h264Profile)
    }

    /// The answer's sections for ingest (WHIP: the server receives): the first section of each
    /// kind that sends gets the first codec of `video` or `audio` (MistServer's names, in the
    /// order preferred) that the offer has; H.264 only in packetization mode 1, Constrained
    /// Baseline first.
    public static func ingestSections(
        offer: WebRTCOffer, video: [String] = ["H264", "AV1", "VP9", "VP8"], audio: [String] = ["opus", "ALAW", "ULAW"]
    ) -> [Section] {
        sections(offer, peerDirection: "sendonly", direction: "recvonly", video: video, audio: audio, h264Profile: 0x42)
    }

    /// Each offered section whose direction is `peerDirection` (or sendrecv) gets the first fitting
    /// codec of its kind, one section per kind; the rest are rejected. Sections this server
    /// sends in get an SSRC of their own.
    private static func sections(
        _ offer: WebRTCOffer, peerDirection: String, direction: String, video: [String], audio: [String],
        h264Profile: UInt8?
    ) -> [Section] {
        var used: Set<String> = []
        return offer.media.map { media in
            var section = Section(
                mid: media.mid, kind: media.kind, codec: nil, ssrc: 0, feedback: [], direction: "inactive")
            section.rejectedFormat = media.codecs.first
            guard media.transport.uppercased().contains("SAVPF"), !used.contains(media.kind),
                media.direction == peerDirection || media.direction == "sendrecv"
            else { return section }
            let wanted = media.kind == "video" ? video : media.kind == "audio" ? audio : []
            guard
                let codec = wanted.lazy.compactMap({ choose($0, from: media.codecs, h264Profile: h264Profile) })
                    .first
            else { return section }
            used.insert(media.kind)
            section.codec = codec
            if direction == "sendonly" { section.ssrc = .random(in: 1...UInt32.max) }
            section.feedback = codec.feedback.filter { supportedFeedback.contains($0) }
            section.direction = direction
            return section
        }
    }

    /// The offered codec that carries `codec`: H.264 only in packetization mode 1, the source's
    /// profile first; Opus at 48 kHz; G.711 at 8 kHz.
    public static func choose(_ codec: String, from offered: [WebRTCOffer.Codec], h264Profile: UInt8?)
        -> WebRTCOffer.Codec?
    {
        switch codec {
        case "H264":
            let usable = offered.filter { $0.name == "H264" && $0.parameters["packetization-mode"] == "1" }
            if let h264Profile,
                let same = usable.first(where: { profileIDC($0.parameters["profile-level-id"]) == h264Profile })
            {
                return same
            }
            return usable.first
        case "VP8", "VP9", "AV1":
            return offered.first { $0.name == codec || ($0.name == "AV1X" && codec == "AV1") }
        case "opus": return offered.first { $0.name == "OPUS" && $0.clockRate == 48000 }
        case "ALAW": return offered.first { $0.name == "PCMA" && $0.clockRate == 8000 }
        case "ULAW": return offered.first { $0.name == "PCMU" && $0.clockRate == 8000 }
        default: return nil
        }
    }

    private static func profileIDC(_ text: String?) -> UInt8? {
        guard let text, text.utf8.count == 6 else { return nil }
        return UInt8(text.prefix(2), radix: 16)
    }

    /// The SDP text (CRLF lines).
    public var text: String {
        let accepted = sections.filter { $0.codec != nil }
        let first = candidates.first ?? Candidate(address: "0.0.0.0", port: 9)
        func family(_ address: String) -> String { address.contains(":") ? "IP6" : "IP4" }
        var lines = [
            "v=0", "o=- \(sessionID) 1 IN \(family(first.address)) \(first.address)", "s=-", "t=0 0",
            "a=group:BUNDLE " + accepted.map(\.mid).joined(separator: " "), "a=ice-lite",
            "a=msid-semantic: WMS \(streamName)",
        ]
        for section in sections {
            guard let codec = section.codec else {
                let format = section.rejectedFormat
                lines += [
                    "m=\(section.kind) 0 UDP/TLS/RTP/SAVPF \(format?.payloadType ?? 0)", "c=IN IP4 0.0.0.0",
                    "a=mid:\(section.mid)", "a=inactive",
                ]
                if let format {
                    lines.append(
                        "a=rtpmap:\(format.payloadType) \(rtpName(format))/\(format.clockRate)"
                            + (format.channels.map { "/\($0)" } ?? ""))
                }
                continue
            }
            let pt = codec.payloadType
            lines += [
                "m=\(section.kind) \(first.port) UDP/TLS/RTP/SAVPF \(pt)",
                "c=IN \(family(first.address)) \(first.address)",
                "a=rtcp:\(first.port) IN \(family(first.address)) \(first.address)",
                "a=ice-ufrag:\(iceUsername)", "a=ice-pwd:\(icePassword)", "a=fingerprint:sha-256 \(fingerprint)",
                "a=setup:passive", "a=mid:\(section.mid)", "a=\(section.direction)", "a=rtcp-mux",
                "a=rtpmap:\(pt) \(rtpName(codec))/\(codec.clockRate)" + (codec.channels.map { "/\($0)" } ?? ""),
            ]
            lines += section.feedback.map { "a=rtcp-fb:\(pt) \($0)" }
            if let fmtp = codec.fmtpLine, !fmtp.isEmpty { lines.append("a=fmtp:\(pt) \(fmtp)") }
            if section.ssrc != 0 {
                let track = "\(streamName)-\(section.kind)"
                lines += [
                    "a=msid:\(streamName) \(track)", "a=ssrc:\(section.ssrc) cname:\(streamName)",
                    "a=ssrc:\(section.ssrc) msid:\(streamName) \(track)",
                ]
            }
            for (index, candidate) in candidates.enumerated() {
                lines.append(
                    "a=candidate:\(index + 1) 1 udp \(2_130_706_431 - index) \(candidate.address) \(candidate.port) typ host"
                )
            }
            lines.append("a=end-of-candidates")
        }
        return lines.map { $0 + "\r\n" }.joined()
    }

    /// The encoding name as the offer spelled it, in the usual case (`opus`, `H264` ...).
    private func rtpName(_ codec: WebRTCOffer.Codec) -> String {
        codec.name == "OPUS" ? "opus" : codec.name
    }
}
