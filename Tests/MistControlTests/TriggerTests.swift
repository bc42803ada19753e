import Foundation
import MistData
import MistShm
import Testing

@testable import MistControl
@testable import MistStream

/// Trigger configuration, stream filters, truthiness and session ids, checked against what
/// MistServer does and sends.
@Suite struct TriggerTests {
    static let captures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/triggers")

    @Test func bothConfigurationFormsAreRead() throws {
        let table = Triggers.parse(
            try JSONParser.parse(
                Array(
                    """
                    {"USER_NEW": [{"handler": "http://h/x", "sync": true, "streams": ["live"], "default": "false"},
                                  ["/usr/bin/check", false, ["a", "b"]], 5, {"sync": true}],
                     "CONN_OPEN": []}
                    """.utf8)))
        #expect(table.keys.sorted() == ["USER_NEW"])
        #expect(
            table["USER_NEW"]
                == [
                    TriggerHandler(handler: "http://h/x", sync: true, streams: ["live"], defaultResponse: "false"),
                    TriggerHandler(handler: "/usr/bin/check", sync: false, streams: ["a", "b"]),
                ])
    }

    @Test func streamFiltersFollowMistServersRules() {
        func handler(_ streams: [String]) -> TriggerHandler {
            TriggerHandler(handler: "x", sync: true, streams: streams)
        }
        #expect(handler([]).applies(to: "anything"))
        #expect(handler(["live"]).applies(to: "live") && handler(["live"]).applies(to: "live+cam2"))
        #expect(!handler(["live"]).applies(to: "other"))
        #expect(handler(["!live"]).applies(to: "other") && !handler(["!live"]).applies(to: "live"))
        // A later match overrides an earlier one.
        #expect(!handler(["live", "!live+cam2"]).applies(to: "live+cam2"))
        #expect(handler(["#vip"]).applies(to: "x", tags: ["vip"]) && !handler(["#vip"]).applies(to: "x"))
        // Triggers that are not stream-specific ignore the list.
        #expect(handler(["live"]).applies(to: ""))
    }

    @Test func answersAreTruthyAsMistServerReadsThem() {
        for yes in ["1", "yes", "TRUE", " true\n", "continue", "Yes please"] {
            #expect(TriggerHandler.isPositive(yes), "\(yes)")
        }
        for no in ["", "0", "false", "no", "deny", "nope"] { #expect(!TriggerHandler.isPositive(no), "\(no)") }
    }

    @Test func sessionIdsMatchTheCapturedUSERNEW() throws {
        for file in ["USER_NEW.1.txt", "USER_NEW.2.txt"] {
            let lines = try String(contentsOf: Self.captures.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let id = ViewerSession.id(stream: lines[0], host: lines[1], token: lines[2], connector: lines[3])
            #expect(id == lines[5], "\(file)")
        }
        #expect(SessionRecord.hostBytes("127.0.0.1") == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1])
        #expect(SessionRecord.hostBytes("::1").last == 1)
    }
}

/// `capabilities.triggers` lists every trigger the suite fires, with MistServer's members.
@Suite struct TriggerCatalogueTests {
    /// The trigger names fired anywhere in Sources: the first argument of `Triggers` calls.
    static func firedNames() throws -> Set<String> {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        // A trigger call's first argument, or a name chosen just before the call.
        let call = try Regex(#"Triggers\.(?:notify|allow|rewrite|isActive|waitsForAnswer)\(\s*"([A-Z][A-Z_]+)""#)
        let chosen = try Regex(#"let trigger = [^\n]*"([A-Z][A-Z_]+)" : "([A-Z][A-Z_]+)""#)
        var names: Set<String> = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: call) {
                if let name = match.output[1].substring { names.insert(String(name)) }
            }
            for match in text.matches(of: chosen) {
                for index in 1...2 { if let name = match.output[index].substring { names.insert(String(name)) } }
            }
        }
        return names
    }

    @Test func everyFiredTriggerIsListed() throws {
        let fired = try Self.firedNames()
        #expect(fired.count >= 25, "\(fired.sorted())")
        let listed = Set((TriggerCatalogue.json.objectValue ?? JSONObject()).map(\.key))
        #expect(fired.subtracting(listed).isEmpty, "not listed: \(fired.subtracting(listed).sorted())")
        #expect(listed.subtracting(fired).isEmpty, "listed but never fired: \(listed.subtracting(fired).sorted())")
        let catalogue = TriggerCatalogue.json
        for (name, entry) in catalogue.objectValue ?? JSONObject() {
            for member in ["when", "payload", "response", "response_action", "stream_specific"] {
                #expect(entry.hasMember(member), "\(name) lacks \(member)")
            }
        }
        #expect(catalogue["LIVE_BANDWIDTH"]["argument"].stringValue?.isEmpty == false)
    }
}
