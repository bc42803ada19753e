import Foundation
import MistData
import Testing

/// The management interface in headless Chromium, driven by its visible labels: log in (a wrong
/// password first), the overview counting a live push's viewer, a stream created, edited and
/// deleted, a protocol added and removed, a trigger added, a recording pushed and stopped, a
/// log line arriving through `/ws` within a second, the preview playing, settings saved, the
/// phone layout; and the first-run account creation. Screenshots of every page go to
/// `.build/test-output/web-interface/` (`make screenshots` copies them into `docs/`).
@Suite(.serialized) struct WebInterfaceTests {
    static var screenshots: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/test-output/web-interface")
    }

    static func check(_ run: (steps: [WebInterfaceWalk.Step], log: String), log: String, expecting names: [String]) {
        // Every step's outcome and figures (such as the log line's delay) beside the screenshots.
        try? run.log.write(to: screenshots.appendingPathComponent(log), atomically: true, encoding: .utf8)
        for step in run.steps where !step.ok {
            Issue.record("\(step.name): \(step.detail)\n\(run.log.suffix(4000))")
        }
        let done = Set(run.steps.filter(\.ok).map(\.name))
        for name in names where !done.contains(name) {
            Issue.record("step not passed: \(name)\n\(run.log.suffix(4000))")
        }
    }

    @Test(.enabled(if: MediaTools.available)) func aPersonManagesTheServerFromTheInterface() throws {
        let folder = try MediaTools.temporaryFolder("webui")
        defer { try? FileManager.default.removeItem(at: folder) }
        let suite = try LivePushSuite(
            folder: folder, pushSeconds: 180, extraConfig: APIWebSocketTests.account,
            environment: ["MIST_API_LOCAL": "none"], credentials: ("admin", "secret"))
        defer { suite.stop() }
        // A viewer for the overview and the sessions page to count.
        let viewer = try MediaTools.ffmpeg(
            ["-t", "170", "-i", "http://127.0.0.1:\(suite.httpPort)/live.ts", "-f", "null", "-"],
            log: folder.appendingPathComponent("viewer.log"))
        defer { BoundedWait.stop(viewer) }
        let settings: JSONValue = [
            "base": .string("http://127.0.0.1:\(suite.controller.apiPort)"), "user": "admin", "password": "secret",
            "dtscPort": .int(Int64(ControllerHarness.freePort())),
            "recording": .string(folder.appendingPathComponent("recording.ts").path),
        ]
        let run = try WebInterfaceWalk.run(
            mode: "walk", settings: settings, folder: folder, screenshots: Self.screenshots)
        Self.check(
            run, log: "walk.log",
            expecting: [
                "login page", "wrong password shows an error", "log in", "overview shows the live push's viewers",
                "new stream is listed and configured", "edited stream is stored", "deleted stream is gone",
                "preview video plays", "embed code names the player", "stream URLs are listed", "protocol added",
                "protocol removed", "trigger added", "push started", "push stopped and recorded",
                "new log line shows within a second", "settings saved", "sessions page lists the viewer",
                "phone width folds the menu",
            ])
        for name in ["login-error", "overview", "streams", "stream-new", "stream-preview", "protocols", "logs"] {
            let size =
                (try? FileManager.default.attributesOfItem(
                    atPath: Self.screenshots.appendingPathComponent("\(name).png").path)[.size] as? Int) ?? 0
            #expect(size > 5000, "\(name).png")
        }
    }

    @Test(.enabled(if: MediaTools.available)) func theFirstVisitCreatesTheAccount() throws {
        let folder = try MediaTools.temporaryFolder("webui-first")
        defer { try? FileManager.default.removeItem(at: folder) }
        let controller = try ControllerHarness(config: #"{"config": {}}"#)
        let run = try WebInterfaceWalk.run(
            mode: "firstrun", settings: ["base": .string("http://127.0.0.1:\(controller.apiPort)")], folder: folder,
            screenshots: Self.screenshots, seconds: 120)
        Self.check(
            run, log: "first-run.log",
            expecting: [
                "first run offers an account", "differing passwords are refused", "account created and logged in",
                "account stored",
            ])
    }
}
