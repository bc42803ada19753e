import MistData

/// The SDP offer this server sends as a WHIP client (pushing a stream to `whip://`): one
/// sendonly section per track with its codec under a payload type of this side's, either DTLS
/// side (`actpass`, as RFC 8842 asks of an offer), ICE credentials and the certificate's fingerprint in every section, RTP and RTCP
/// muxed and bundled, and the host candidates given (a server that is not ICE-lite needs one to
/// start its checks; an ICE-lite server learns the address from this side's checks).
public struct WebRTCPushOffer: Sendable {
    /// One track to send.
    public struct Track: Sendable {
        /// `video` or `audio`.
        public var kind: String
        /// MistServer's codec name: `H264`, `VP8`, `VP9`, `AV1`, `opus`, `ALAW`, `ULAW`.
        public var codec: String
        public var ssrc: UInt32
        /// H.264's profile_idc, constraint flags and level_idc (from its avcC).
        public var h264Profile: [UInt8]
        public var rate: Int
        public var channels: Int

        public init(
            kind: String, codec: String, ssrc: UInt32, h264Profile: [UInt8] = [], rate: Int = 0, channels: Int = 0
        ) {
            self.kind = kind
            self.codec = codec
            self.ssrc = ssrc
            self.h264Profile = h264Profile
            self.rate = rate
            self.channels = channels
        }
    }

    /// The codecs this side can send, in MistServer's names.
    public static let codecs: Set<String> = ["H264", "VP8", "VP9", "AV1", "opus", "ALAW", "ULAW"]

    public var tracks: [Track]
    public var iceUsername: String
    public var icePassword: String
    public var fingerprint: String
    public var candidates: [WebRTCAnswer.Candidate]
    public var streamName: String
    public var sessionID: UInt64

    public init(
        tracks: [Track], iceUsername: String, icePassword: String, fingerprint: String,
        candidates: [WebRTCAnswer.Candidate], streamName: String, sessionID: UInt64 = .random(in: 1...(UInt64(1) << 62))
    ) {
        self.tracks = tracks
        self.iceUsername = iceUsername
        self.icePassword = icePassword
        self.fingerprint = fingerprint
        self.candidates = candidates
        self.streamName = streamName
        self.sessionID = sessionID
    }

    /// The payload type track `index` is offered with: the static ones of 8 kHz mono G.711,
    /// else 96 on.
    public func payloadType(_ index: Int) -> UInt8 {
        let track = tracks[index]
        if (track.codec == "ALAW" || track.codec == "ULAW") && track.rate == 8000 && track.channels <= 1 {
            return track.codec == "ALAW" ? 8 : 0
        }
        return UInt8(96 + min(index, 31))
    }

    /// The track's rtpmap and fmtp values (after the payload type).
    private func format(_ index: Int) -> (rtpmap: String, fmtp: String?) {
        let track = tracks[index]
        switch track.codec {
        case "H264":
            let level = track.h264Profile.count == 3 ? Hex.encode(track.h264Profile) : "42e01f"
            return ("H264/90000", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=\(level)")
        case "VP8": return ("VP8/90000", nil)
        case "VP9": return ("VP9/90000", "profile-id=0")
        case "AV1": return ("AV1/90000", nil)
        case "opus":
            return (
                "opus/48000/2", "minptime=10;useinbandfec=1" + (track.channels > 1 ? ";stereo=1;sprop-stereo=1" : "")
            )
        default:
            let name = track.codec == "ALAW" ? "PCMA" : "PCMU"
            return ("\(name)/\(max(1, track.rate))" + (track.channels > 1 ? "/\(track.channels)" : ""), nil)
        }
    }

    /// The SDP text (CRLF lines).
    public var text: String {
        var lines = [
            "v=0", "o=- \(sessionID) 1 IN IP4 127.0.0.1", "s=\(streamName)", "t=0 0",
            "a=group:BUNDLE " + tracks.indices.map(String.init).joined(separator: " "),
            "a=msid-semantic: WMS \(streamName)",
        ]
        for index in tracks.indices {
            let track = tracks[index]
            let pt = payloadType(index)
            let (rtpmap, fmtp) = format(index)
            lines += [
                "m=\(track.kind) 9 UDP/TLS/RTP/SAVPF \(pt)", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
                "a=ice-ufrag:\(iceUsername)", "a=ice-pwd:\(icePassword)", "a=fingerprint:sha-256 \(fingerprint)",
                "a=setup:actpass", "a=mid:\(index)", "a=sendonly", "a=rtcp-mux", "a=rtpmap:\(pt) \(rtpmap)",
            ]
            if track.kind == "video" {
                lines += ["nack", "nack pli", "ccm fir", "goog-remb"].map { "a=rtcp-fb:\(pt) \($0)" }
            }
            if let fmtp { lines.append("a=fmtp:\(pt) \(fmtp)") }
            lines += [
                "a=msid:\(streamName) \(streamName)-\(track.kind)", "a=ssrc:\(track.ssrc) cname:\(streamName)",
            ]
            for (number, candidate) in candidates.enumerated() {
                lines.append(
                    "a=candidate:\(number + 1) 1 udp \(2_130_706_431 - number) \(candidate.address) \(candidate.port) typ host"
                )
            }
            if !candidates.isEmpty { lines.append("a=end-of-candidates") }
        }
        return lines.map { $0 + "\r\n" }.joined()
    }
}
