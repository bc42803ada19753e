import Foundation
import MistData
import Synchronization
import Testing

/// The controller's loop and lock are never held while a trigger handler works: a blocking
/// STREAM_ADD or PUSH_OUT_START handler that calls the API back (the usual way to write one) is
/// answered at once, and so is everyone else meanwhile.
@Suite(.serialized) struct ControllerCallbackTests {
    @Test func triggerHandlersThatCallTheAPIBackAreAnsweredAtOnce() throws {
        let apiPort = Mutex<Int>(0)
        let recorder = try TriggerRecorder { call in
            // Ask the API about the streams while the controller waits for this answer.
            let port = apiPort.withLock { $0 }
            guard let reply = try? HTTPTestClient(port: port).call(#"{"streams": true}"#).json(),
                reply["streams"].isObject
            else { return call.trigger == "PUSH_OUT_START" ? "" : "false" }
            if call.trigger == "PUSH_OUT_START" { return "/dev/null/unwritable.ts" }
            return "true"
        }
        let handler = #"{"handler": "\#(recorder.url)", "sync": true, "default": "false"}"#
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [], "triggers": {
                    "STREAM_ADD": [\(handler)], "STREAM_CONFIG": [\(handler)], "PUSH_OUT_START": [\(handler)]}},
                 "streams": {}}
                """)
        apiPort.withLock { $0 = controller.apiPort }

        let started = Date()
        let added = try controller.call(#"{"addstream": {"callback": {"source": "push://"}}}"#)
        #expect(added["streams"]["callback"].isObject, "\(added)")
        #expect(recorder.calls("STREAM_ADD").count == 1)
        let changed = try controller.call(#"{"addstream": {"callback": {"source": "push://", "DVR": 5000}}}"#)
        #expect(changed["streams"]["callback"]["DVR"] == 5000)
        // push_start: PUSH_OUT_START is asked outside the lock too (its answer names the target).
        _ = try controller.call(#"{"push_start": ["callback", "/tmp/never.ts"]}"#)
        #expect(waitFor(seconds: 10) { recorder.calls("PUSH_OUT_START").count == 1 })
        // Each handler's own API call was answered, so nothing waited out a timeout.
        #expect(Date().timeIntervalSince(started) < 5, "took \(Date().timeIntervalSince(started)) s")
    }
}
