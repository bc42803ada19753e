import MistData
import Testing

@testable import MistControl
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

@Suite struct AutoPushRuleTests {
    @Test func rulesCompareVariablesAsMistServerDoes() {
        let variables = ["gate": "open", "count": "7", "flag": "yes"]
        func holds(_ rule: JSONValue) -> Bool { PushSupervisor.holds(rule, variables) }
        #expect(holds(["flag", 0, ""]) && !holds(["flag", 1, ""]))
        #expect(holds(["gate", 2, "open"]) && holds(["gate", 3, "closed"]))
        #expect(
            holds(["count", 10, 5]) && holds(["count", 11, 7]) && !holds(["count", 12, 7]) && holds(["count", 13, "7"]))
        #expect(holds(["gate", 20, "a"]) && !holds(["gate", 22, "a"]))
        #expect(!holds(["missing", 0, ""]))
        // Built-in time variables work too.
        #expect(holds(["year", 11, 2000]))
    }
}
