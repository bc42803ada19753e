import Testing

@testable import MistWebRTC

@Suite struct WebRTCPushOfferTests {
    /// A WHIP push's offer reads back as an offer: sendonly sections with this side's payload
    /// types, either DTLS side (actpass), credentials, fingerprint and the host candidate in each; and a server's
    /// answer to it gives its candidates, best first, skipping mDNS names and other components.
    @Test func offerReadsBackAndAnswerCandidatesAreFound() throws {
        let offer = WebRTCPushOffer(
            tracks: [
                .init(kind: "video", codec: "H264", ssrc: 11, h264Profile: [0x64, 0x00, 0x1F]),
                .init(kind: "audio", codec: "ALAW", ssrc: 12, rate: 8000, channels: 1),
            ], iceUsername: "abcdefgh", icePassword: "0123456789012345678901", fingerprint: "AA:BB",
            candidates: [.init(address: "127.0.0.1", port: 40000)], streamName: "live")
        let read = try WebRTCOffer(parsing: offer.text)
        #expect(read.setup == "actpass")
        #expect(read.media.map(\.direction) == ["sendonly", "sendonly"])
        #expect(read.media.map(\.mid) == ["0", "1"])
        #expect(read.media[0].codecs.map(\.payloadType) == [96] && read.media[1].codecs.map(\.payloadType) == [8])
        #expect(read.media[0].codecs[0].parameters["profile-level-id"] == "64001f")
        #expect(read.media[0].codecs[0].parameters["packetization-mode"] == "1")
        #expect(read.media[1].codecs[0].name == "PCMA")
        #expect(read.iceUsername == "abcdefgh" && read.fingerprint == "AA:BB")
        #expect(read.candidates == [.init(address: "127.0.0.1", port: 40000, priority: 2_130_706_431)])
        #expect(read.media[0].ssrcs == [11])

        let answer = """
            v=0\r
            o=- 1 1 IN IP4 0.0.0.0\r
            s=-\r
            t=0 0\r
            m=video 5000 UDP/TLS/RTP/SAVPF 96\r
            c=IN IP4 10.0.0.1\r
            a=mid:0\r
            a=ice-ufrag:wxyz\r
            a=ice-pwd:0123456789012345678901\r
            a=fingerprint:sha-256 CC:DD\r
            a=setup:passive\r
            a=rtpmap:96 H264/90000\r
            a=candidate:1 1 udp 100 127.0.0.1 5000 typ host\r
            a=candidate:2 1 udp 200 abcd.local 5001 typ host\r
            a=candidate:3 2 udp 300 127.0.0.1 5002 typ host\r
            a=candidate:4 1 tcp 400 127.0.0.1 5003 typ host\r
            a=candidate:5 1 udp 150 ::1 5004 typ host\r

            """
        let parsed = try WebRTCOffer(parsing: answer)
        #expect(
            parsed.candidates == [
                .init(address: "::1", port: 5004, priority: 150),
                .init(address: "127.0.0.1", port: 5000, priority: 100),
            ])
        // Without candidates, the c= address and m= port of the section.
        let bare = try WebRTCOffer(
            parsing: answer.split(separator: "\r\n").filter { !$0.hasPrefix("a=candidate") }
                .joined(separator: "\r\n") + "\r\n")
        #expect(bare.candidates == [.init(address: "10.0.0.1", port: 5000, priority: 0)])
    }
}
