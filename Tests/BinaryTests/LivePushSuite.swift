import Foundation
import Testing

/// The suite most media tests start from: a controller with RTMP and HTTP on loopback, a `live`
/// stream (push://) fed by ffmpeg's test pattern over RTMP, and the file streams a test names.
/// `stop()` ends the push and the controller.
struct LivePushSuite {
    let controller: ControllerHarness
    let rtmpPort: Int
    let httpPort: Int
    let push: Process

    /// Starts it all and waits until `live` is active; `files` maps stream names to their sources,
    /// `extraConfig` holds more top-level members of the configuration (each followed by a comma),
    /// `environment` the controller's extra environment, `credentials` the account the test's API
    /// calls log in with, `liveExtra` more members of the `live` stream (each after a comma),
    /// `settings` more members of `config` (each after a comma), such as triggers, `protocols` more
    /// connectors (each after a comma), `rate` the push's frame rate.
    init(
        folder: URL, files: [String: String] = [:], pushSeconds: Int = 60, extraConfig: String = "",
        environment: [String: String] = [:], credentials: (user: String, password: String)? = nil,
        liveExtra: String = "", settings: String = "", protocols: String = "", rate: Int = 25
    ) throws {
        rtmpPort = ControllerHarness.freePort()
        httpPort = ControllerHarness.freePort()
        var streams = #""live": {"name": "live", "source": "push://"\#(liveExtra)}"#
        for (name, source) in files.sorted(by: { $0.key < $1.key }) {
            streams += #", "\#(name)": {"name": "\#(name)", "source": "\#(source)"}"#
        }
        controller = try ControllerHarness(
            config: """
                {\(extraConfig)"config": {"protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}\(protocols)]\(settings)},
                 "streams": {\(streams)}}
                """, environment: environment)
        controller.credentials = credentials
        let (rtmp, http) = (rtmpPort, httpPort)
        let listening = waitFor { ControllerHarness.portAccepts(rtmp) && ControllerHarness.portAccepts(http) }
        #expect(listening)
        push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: pushSeconds,
            log: folder.appendingPathComponent("push.log"), rate: rate)
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
    }

    func stop() {
        BoundedWait.stop(push)
        controller.stop()
    }
}
