import Foundation
import MistData
import Testing

/// Sessions kept MistServer's way, as MistServer's outputs keep theirs under our controller: a
/// connection starts our MistSession, which asks USER_NEW, puts the session on the controller's
/// `/MstStat` table (so `clients` lists it), and fires USER_END with MistServer's payload; a
/// refused session's connections are told to go.
@Suite struct MistSessionEndToEndTests {
    @Test func sessionsOfMistServerStyleConnections() throws {
        let recorder = try TriggerRecorder { call in call.lines.count > 2 && call.lines[2] == "deny" ? "false" : "true"
        }
        let handler = "{\"handler\": \"\(recorder.url)\", \"sync\": true}"
        let controller = try ControllerHarness(
            config: """
                {"config": {"triggers": {"USER_NEW": [\(handler)], "USER_END": [{"handler": "\(recorder.url)"}]}},
                 "streams": {"live": {"name": "live", "source": "push://"}}}
                """)
        defer { controller.stop() }
        let session = BinaryTests.directory.appendingPathComponent("MistSession").path
        let id = "e2e\(getpid())"
        // A refused session keeps refusing for 10 minutes; the test's session processes end with it.
        defer { for pid in ControllerHarness.processes(containing: ["MistSession", id]) { kill(pid, SIGTERM) } }
        let peer = try controller.startPeer("ShmPeer", ["session", id, "live", "HLS", "tok", "6", session])
        defer { if peer.isRunning { peer.terminate() } }

        // While it plays, the controller lists it.
        let listed = waitFor(seconds: 10) {
            let reply = try? controller.call(
                #"{"clients": {"time": -1, "fields": ["stream", "protocol", "host", "sessid"]}}"#)
            return (reply?["clients"]["data"].arrayValue ?? []).contains {
                $0[0] == "live" && $0[1] == "HLS" && $0[2] == "127.0.0.1" && $0[3].asString == id
            }
        }
        #expect(listed, "clients lists the session")
        let userNew = try #require(recorder.calls("USER_NEW").first { $0.lines.count >= 6 && $0.lines[5] == id })
        #expect(Array(userNew.lines.prefix(4)) == ["live", "127.0.0.1", "tok", "HLS"])

        // 15 s after its connection ended, USER_END with MistServer's twelve lines.
        #expect(waitFor(seconds: 40) { recorder.calls("USER_END").contains { $0.lines.last == id } })
        let ended = try #require(recorder.calls("USER_END").first { $0.lines.last == id })
        #expect(ended.lines.count == 12)
        #expect(Array(ended.lines.prefix(4)) == ["tok", "live", "HLS", "127.0.0.1"])
        #expect((Int(ended.lines[4]) ?? 0) >= 4, "seconds connected")
        #expect((Int(ended.lines[5]) ?? 0) >= 4000, "bytes up")
        // The controller fires no USER_END of its own for it.
        #expect(recorder.calls("USER_END").filter { $0.lines.last == id }.count == 1)

        // A session USER_NEW refuses: its connection is told to go.
        let refused = try controller.startPeer(
            "ShmPeer", ["session", id + "x", "live", "HLS", "deny", "20", session])
        defer { if refused.isRunning { refused.terminate() } }
        #expect(waitFor(seconds: 15) { !refused.isRunning }, "the refused connection ends")
        if !refused.isRunning {
            #expect(refused.terminationStatus == 2, "the refused connection saw its session's exit flag")
        }
    }
}
