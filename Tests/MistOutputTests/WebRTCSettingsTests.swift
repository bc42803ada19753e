import Logging
import MistData
import Testing

@testable import MistOutput

@Suite struct WebRTCSettingsTests {
    /// MistServer's option values: codec lists in the order given (unknown names dropped, none
    /// left means all), NACK and loss timeouts with their mobile pair, ICE servers as Link headers.
    @Test func readsAProtocolsEntry() throws {
        let entry = try JSONParser.parse(
            #"""
            {"connector": "WebRTC", "preferredvideocodec": "vp9, H264,HEVC,VP9", "preferredaudiocodec": "nothing",
             "nacktimeout": 8, "losttimeout": 4, "losttimeoutmobile": 100000,
             "iceservers": [{"urls": ["stun:stun.example:3478", "turn:turn.example"], "username": "u",
                             "credential": "p\"w\r\nX: y"}, {"url": "stun:old.example"}, 7]}
            """#)
        let settings = WebRTCSettings(entry: entry)
        #expect(settings.videoCodecs == ["VP9", "H264"])
        #expect(settings.audioCodecs == WebRTCSettings.defaultAudioCodecs)
        // Giving up before NACKing makes no sense: at least one packet after the NACK.
        #expect(settings.reorder(userAgent: "Firefox") == (8, 9))
        #expect(settings.reorder(userAgent: "Mozilla/5.0 (Linux; Android) Mobile Mobi") == (15, 1000))
        #expect(settings.iceServers.count == 2)
        #expect(
            settings.iceLinkHeaders
                == #"Link: <stun:stun.example:3478>; rel="ice-server"; username="u"; credential="pwX: y""#
                + "\r\n" + #"Link: <turn:turn.example>; rel="ice-server"; username="u"; credential="pwX: y""#
                + "\r\n" + #"Link: <stun:old.example>; rel="ice-server""# + "\r\n")
        #expect(WebRTCSettings(entry: ["iceservers": "not json"]).iceServers.isEmpty)
        #expect(WebRTCSettings(entry: ["iceservers": #"[{"urls": "stun:a"}]"#]).iceLinkHeaders.contains("<stun:a>"))
    }
}

@Suite struct WebRTCPushTargetTests {
    /// `whip://` and `whips://` become http(s) URLs; `auth` turns into the Bearer token and track
    /// selectors stay with the push; the rest of the query goes along.
    @Test func targetsBecomeEndpoints() {
        let plain = WebRTCPush.endpoint("whip://example.com:8080/whip/in?auth=se%20cret&video=0&x=1")
        #expect(plain.url == "http://example.com:8080/whip/in?x=1")
        #expect(plain.token == "se cret")
        #expect(plain.query == ["video": "0"])
        let secure = WebRTCPush.endpoint("whips://example.com/endpoint")
        #expect(secure.url == "https://example.com/endpoint" && secure.token == nil && secure.query.isEmpty)
        #expect(
            WebRTCPush.handles("whip://a/b") && WebRTCPush.handles("whips://a/b") && !WebRTCPush.handles("http://a"))
    }
}

@Suite struct WebRTCCertificateTests {
    /// New sessions get a new DTLS certificate once the current one is as old as the service
    /// allows (a week by default; the generated ones are valid for 30 days).
    @Test func anOldCertificateIsReplacedForNewSessions() throws {
        let logger = Logger(label: "test")
        let lasting = try WebRTCService(settings: WebRTCSettings())
        #expect(lasting.currentTLS(logger: logger).fingerprint == lasting.currentTLS(logger: logger).fingerprint)
        let renewing = try WebRTCService(settings: WebRTCSettings(), certificateSeconds: 0)
        #expect(renewing.currentTLS(logger: logger).fingerprint != renewing.currentTLS(logger: logger).fingerprint)
    }
}
