import MistData
import Testing

@testable import MistStream

@Suite struct PushPolicyTests {
    static func refusal(_ source: String?, from host: String, password: String? = nil) -> String? {
        PushPolicy.refusal(
            stream: "live", configuration: source.map { ["source": .string($0)] }, peerHost: host, password: password)
    }

    @Test func sourcesDecideWhoMayPush() {
        #expect(Self.refusal(nil, from: "127.0.0.1") == "stream live is not configured")
        #expect(Self.refusal("/file.mp4", from: "127.0.0.1")?.contains("does not take pushes") == true)
        #expect(Self.refusal("push://", from: "203.0.113.5") == nil)
        #expect(Self.refusal("push://10.0.0.0/8", from: "10.1.2.3") == nil)
        #expect(Self.refusal("push://10.0.0.0/8", from: "::ffff:10.1.2.3") == nil)
        #expect(Self.refusal("push://10.0.0.0/8", from: "11.1.2.3") != nil)
        #expect(Self.refusal("push://192.0.2.1,127.0.0.1", from: "127.0.0.1") == nil)
        #expect(Self.refusal("push://localhost", from: "127.0.0.1") == nil)
        // A password (RTMP's application name) lets anyone in; a wrong one falls back to the host.
        #expect(Self.refusal("push://192.0.2.1@secret", from: "203.0.113.5", password: "secret") == nil)
        #expect(Self.refusal("push://192.0.2.1@secret", from: "203.0.113.5", password: "live") != nil)
        #expect(Self.refusal("push://192.0.2.1@secret", from: "192.0.2.1", password: "live") == nil)
        #expect(Self.refusal("push://@secret", from: "127.0.0.1", password: "live")?.contains("password") == true)
        #expect(Self.refusal("push://@secret", from: "127.0.0.1", password: "secret") == nil)
    }
}
