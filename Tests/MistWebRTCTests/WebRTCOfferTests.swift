import MistRTP
import Testing

@testable import MistWebRTC

@Suite struct WebRTCOfferTests {
    /// An offer aiortc 1.4 (Debian's python3-aiortc) makes to receive video and audio.
    static let aiortcOffer =
        [
            "v=0",
            "o=- 4005310988 4005310988 IN IP4 0.0.0.0",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE 0 1",
            "a=msid-semantic:WMS *",
            "m=video 49320 UDP/TLS/RTP/SAVPF 97 98 99 100 101 102",
            "c=IN IP4 192.0.2.2",
            "a=recvonly",
            "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "a=mid:0",
            "a=msid:93fae0a4-5e9c-43e2-911d-8871ad889acf 99a63b9c-f824-47c3-904c-0b284b8567f3",
            "a=rtcp:9 IN IP4 0.0.0.0",
            "a=rtcp-mux",
            "a=ssrc-group:FID 1543908381 3403465913",
            "a=ssrc:1543908381 cname:c3342e9e-4e4f-47e0-a5a3-4a7fc8ea0760",
            "a=ssrc:3403465913 cname:c3342e9e-4e4f-47e0-a5a3-4a7fc8ea0760",
            "a=rtpmap:97 VP8/90000",
            "a=rtcp-fb:97 nack",
            "a=rtcp-fb:97 nack pli",
            "a=rtcp-fb:97 goog-remb",
            "a=rtpmap:98 rtx/90000",
            "a=fmtp:98 apt=97",
            "a=rtpmap:99 H264/90000",
            "a=rtcp-fb:99 nack",
            "a=rtcp-fb:99 nack pli",
            "a=rtcp-fb:99 goog-remb",
            "a=fmtp:99 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
            "a=rtpmap:100 rtx/90000",
            "a=fmtp:100 apt=99",
            "a=rtpmap:101 H264/90000",
            "a=rtcp-fb:101 nack",
            "a=rtcp-fb:101 nack pli",
            "a=rtcp-fb:101 goog-remb",
            "a=fmtp:101 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
            "a=rtpmap:102 rtx/90000",
            "a=fmtp:102 apt=101",
            "a=candidate:f957a2332b1715da3b0ef8ba684454eb 1 udp 2130706431 192.0.2.2 49320 typ host",
            "a=candidate:d0bcf3d9c29a2bc887618212a1623bfa 1 udp 2130706431 fd00::2 35870 typ host",
            "a=end-of-candidates",
            "a=ice-ufrag:xiwc",
            "a=ice-pwd:LQrwSCPeZGUNr4cfGpA1vW",
            "a=fingerprint:sha-256 5E:6F:5C:72:C1:19:D0:AE:41:51:1C:F7:AC:46:06:D7:9B:57:40:08:7C:34:37:71:DC:DD:96:72:01:1C:AA:53",
            "a=setup:actpass",
            "m=audio 41747 UDP/TLS/RTP/SAVPF 96 0 8",
            "c=IN IP4 192.0.2.2",
            "a=recvonly",
            "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "a=mid:1",
            "a=msid:93fae0a4-5e9c-43e2-911d-8871ad889acf 68f72423-dc64-4b89-ac3e-dbc6fe986509",
            "a=rtcp:9 IN IP4 0.0.0.0",
            "a=rtcp-mux",
            "a=ssrc:1670708111 cname:c3342e9e-4e4f-47e0-a5a3-4a7fc8ea0760",
            "a=rtpmap:96 opus/48000/2",
            "a=rtpmap:0 PCMU/8000",
            "a=rtpmap:8 PCMA/8000",
            "a=candidate:f957a2332b1715da3b0ef8ba684454eb 1 udp 2130706431 192.0.2.2 41747 typ host",
            "a=candidate:d0bcf3d9c29a2bc887618212a1623bfa 1 udp 2130706431 fd00::2 52707 typ host",
            "a=end-of-candidates",
            "a=ice-ufrag:Z6te",
            "a=ice-pwd:hTU1qp1Cax2ivTXe7BkzqA",
            "a=fingerprint:sha-256 5E:6F:5C:72:C1:19:D0:AE:41:51:1C:F7:AC:46:06:D7:9B:57:40:08:7C:34:37:71:DC:DD:96:72:01:1C:AA:53",
            "a=setup:actpass",
        ].joined(separator: "\r\n") + "\r\n"

    @Test func readsWhatAiortcOffers() throws {
        let offer = try WebRTCOffer(parsing: Self.aiortcOffer)
        #expect(offer.iceUsername == "xiwc")
        #expect(offer.icePassword == "LQrwSCPeZGUNr4cfGpA1vW")
        #expect(offer.fingerprint.hasPrefix("5E:6F:5C:72"))
        #expect(offer.setup == "actpass")
        #expect(offer.media.map(\.mid) == ["0", "1"])
        #expect(offer.media.map(\.direction) == ["recvonly", "recvonly"])
        let h264 = offer.media[0].codecs.filter { $0.name == "H264" }
        #expect(h264.map(\.payloadType) == [99, 101])
        #expect(h264[1].parameters["profile-level-id"] == "42e01f")
        #expect(h264[0].feedback == ["nack", "nack pli", "goog-remb"])
        #expect(offer.media[1].codecs.map(\.name) == ["OPUS", "PCMU", "PCMA"])
    }

    /// H.264 video and Opus audio: the answer picks payload types 99 and 96, keeps the feedback
    /// this server takes part in, bundles both on one host candidate and is ICE-lite and passive.
    @Test func answersPlaybackWithTheOfferedPayloadTypes() throws {
        let offer = try WebRTCOffer(parsing: Self.aiortcOffer)
        let sections = WebRTCAnswer.playbackSections(offer: offer, video: "H264", audio: "opus", h264Profile: 0x64)
        #expect(sections.map { $0.codec?.payloadType } == [99, 96])
        #expect(sections[0].feedback == ["nack", "nack pli", "goog-remb"])
        let answer = WebRTCAnswer(
            sections: sections, iceUsername: "abcd", icePassword: "0123456789012345678901",
            fingerprint: "AA:BB", candidates: [.init(address: "127.0.0.1", port: 40000)], streamName: "live",
            sessionID: 7)
        let text = answer.text
        let parsed = try SessionDescription(parsing: text)
        #expect(parsed.attribute("group") == "BUNDLE 0 1")
        #expect(parsed.attributes.contains { $0.name == "ice-lite" })
        #expect(parsed.media.map(\.port) == [40000, 40000])
        #expect(parsed.media.map(\.formats) == [["99"], ["96"]])
        #expect(parsed.media[0].attribute("setup") == "passive")
        #expect(parsed.media[0].attribute("sendonly") == nil)
        #expect(parsed.media[0].attributes.contains { $0.name == "sendonly" })
        #expect(parsed.media[0].fmtp("99")["profile-level-id"] == "42001f")
        #expect(parsed.media[1].rtpmap("96")?.encoding == "opus")
        #expect(parsed.media[0].attribute("candidate") == "1 1 udp 2130706431 127.0.0.1 40000 typ host")
        #expect(text.contains("a=ssrc:\(sections[0].ssrc) cname:live\r\n"))
    }

    /// AAC has no WebRTC payload: the audio section is rejected, video still plays.
    @Test func sectionsWithoutAFittingCodecAreRejected() throws {
        let offer = try WebRTCOffer(parsing: Self.aiortcOffer)
        let sections = WebRTCAnswer.playbackSections(offer: offer, video: "H264", audio: nil)
        #expect(sections.map { $0.codec?.payloadType } == [99, nil])
        let parsed = try SessionDescription(
            parsing: WebRTCAnswer(
                sections: sections, iceUsername: "abcd", icePassword: "0123456789012345678901", fingerprint: "AA",
                candidates: [.init(address: "::1", port: 1)], streamName: "s"
            ).text)
        #expect(parsed.attribute("group") == "BUNDLE 0")
        #expect(parsed.media[1].port == 0)
        #expect(parsed.media[0].lines.first?.value == "IN IP6 ::1")
        #expect(WebRTCAnswer.playbackSections(offer: offer, video: "HEVC", audio: nil).allSatisfy { $0.codec == nil })
    }

    @Test func offersWithoutCredentialsOrFingerprintAreRefused() {
        let noPassword = Self.aiortcOffer.replacing("a=ice-pwd:", with: "a=x-pwd:")
        #expect(throws: WebRTCError.noICECredentials) { try WebRTCOffer(parsing: noPassword) }
        let noPrint = Self.aiortcOffer.replacing("a=fingerprint:sha-256", with: "a=fingerprint:sha-1")
        #expect(throws: WebRTCError.noFingerprint) { try WebRTCOffer(parsing: noPrint) }
        #expect(throws: WebRTCError.self) { try WebRTCOffer(parsing: "hello") }
        let shortFragment = Self.aiortcOffer.replacing("a=ice-ufrag:xiwc", with: "a=ice-ufrag:x").replacing(
            "a=ice-ufrag:Z6te", with: "a=ice-ufrag:y")
        #expect(throws: WebRTCError.noICECredentials) { try WebRTCOffer(parsing: shortFragment) }
    }
}

@Suite struct WebRTCIngestAnswerTests {
    /// What aiortc offers when it publishes H.264-capable video and Opus: the answer receives
    /// H.264 in packetization mode 1 (baseline first) and Opus, with NACK and PLI kept.
    @Test func answersAPublisherWithH264AndOpus() throws {
        let offer = try WebRTCOffer(
            parsing: WebRTCOfferTests.aiortcOffer.replacing("a=recvonly", with: "a=sendonly"))
        let sections = WebRTCAnswer.ingestSections(offer: offer)
        #expect(sections.map { $0.codec?.payloadType } == [99, 96])
        #expect(sections.map(\.direction) == ["recvonly", "recvonly"])
        #expect(sections[0].feedback == ["nack", "nack pli", "goog-remb"])
        let text = WebRTCAnswer(
            sections: sections, iceUsername: "abcd", icePassword: "0123456789012345678901", fingerprint: "AA",
            candidates: [.init(address: "127.0.0.1", port: 5)], streamName: "in"
        ).text
        #expect(!text.contains("a=ssrc:"))
        #expect(text.contains("a=recvonly\r\n"))
        // A viewer's offer (recvonly) has nothing to publish.
        let viewer = try WebRTCOffer(parsing: WebRTCOfferTests.aiortcOffer)
        #expect(WebRTCAnswer.ingestSections(offer: viewer).allSatisfy { $0.codec == nil })
    }
}
