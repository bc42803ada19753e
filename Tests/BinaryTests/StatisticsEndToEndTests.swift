import Foundation
import MistData
import Testing

/// Sessions and statistics: one ffmpeg push and viewers over different protocols; `clients`,
/// USER_END and Prometheus report them, and stopping one session by API cuts that viewer only.
@Suite(.serialized) struct StatisticsEndToEndTests {
    /// A raw HTTP viewer that counts every byte it gets.
    final class CountingViewer: @unchecked Sendable {
        let client: TCPTestClient
        private let lock = NSLock()
        private var count = 0
        private var ended = false

        init(port: Int, path: String) throws {
            client = try TCPTestClient(port: UInt16(port))
            try client.write(Array("GET \(path) HTTP/1.1\r\nHost: x\r\nUser-Agent: counter\r\n\r\n".utf8))
            Thread.detachNewThread { [self] in
                while true {
                    guard let bytes = try? client.read(timeoutSeconds: 20), !bytes.isEmpty else { break }
                    lock.withLock { count += bytes.count }
                }
                lock.withLock { ended = true }
            }
        }

        var received: Int { lock.withLock { count } }
        var hasEnded: Bool { lock.withLock { ended } }
    }

    static func prometheus(_ port: Int) throws -> [String: Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-c",
            """
            import sys, urllib.request
            from prometheus_client.parser import text_string_to_metric_families
            text = urllib.request.urlopen("http://127.0.0.1:\(port)/metrics").read().decode()
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    labels = ",".join(k + "=" + v for k, v in sorted(sample.labels.items()))
                    print(sample.name + "{" + labels + "} " + repr(sample.value))
            """,
        ]
        let output = Pipe()
        process.standardOutput = output
        let data = try BoundedWait.run(process, seconds: 60, "the Prometheus parser")[0]
        #expect(process.terminationStatus == 0, "the Prometheus text parses")
        var samples: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { samples[String(parts[0])] = Double(parts[1]) }
        }
        return samples
    }

    @Test(.enabled(if: MediaTools.available && FileManager.default.fileExists(atPath: "/usr/bin/python3")))
    func clientsTotalsPrometheusAndStoppingASession() throws {
        let folder = try MediaTools.temporaryFolder("statistics")
        defer { try? FileManager.default.removeItem(at: folder) }
        let recorder = try TriggerRecorder { _ in "true" }
        let rtmpPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let handler = "{\"handler\": \"\(recorder.url)\", \"sync\": false}"
        let controller = try ControllerHarness(
            config: """
                {"config": {"prometheus": "metrics", "protocols": [
                    {"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "triggers": {"USER_END": [\(handler)], "STREAM_END": [\(handler)]}},
                 "streams": {"live": {"name": "live", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(rtmpPort) && ControllerHarness.portAccepts(httpPort) })
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 12, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))

        let ts = try CountingViewer(port: httpPort, path: "/live.ts?tkn=one")
        let flv = try CountingViewer(port: httpPort, path: "/live.flv?tkn=two")
        let rtmp = try MediaTools.ffmpeg(
            ["-i", "rtmp://127.0.0.1:\(rtmpPort)/live/live", "-t", "3", "-f", "null", "-"],
            log: folder.appendingPathComponent("rtmp.log"))
        let first = try Self.prometheus(controller.apiPort)
        // Every connection shows up with its protocol.
        var rows: [JSONValue] = []
        #expect(
            waitFor(seconds: 10) {
                rows = (try? controller.call(#"{"clients": {}}"#)["clients"]["data"].arrayValue) ?? nil ?? []
                let protocols = Set(rows.map { $0[2].asString })
                return protocols.isSuperset(of: ["HTTPTS", "FLV", "RTMP", "INPUT:RTMP"])
            }, "\(rows)")
        let fields = try controller.call(#"{"clients": {"fields": ["protocol", "sessid"]}}"#)["clients"]
        #expect(fields["fields"] == ["protocol", "sessid"])
        let flvSession = try #require(fields["data"].arrayValue?.first { $0[0] == "FLV" }?[1].stringValue)
        let tsSession = try #require(fields["data"].arrayValue?.first { $0[0] == "HTTPTS" }?[1].stringValue)
        _ = try controller.call("{\"tag_sessid\": {\"\(tsSession)\": \"vip\"}}")
        let active = try controller.call(#"{"active_streams": {"longform": true, "fields": ["viewers", "inputs"]}}"#)
        #expect(
            active["active_streams"]["live"]["viewers"].intValue ?? 0 >= 2
                && active["active_streams"]["live"]["inputs"] == 1)
        #expect(try controller.call(#"{"stats_streams": true}"#)["stats_streams"] == ["live"])
        let perStream = try controller.call(#"{"stats_streams": ["clients", "lastms"]}"#)["stats_streams"]["live"]
        #expect((perStream[0].intValue ?? 0) >= 2 && (perStream[1].intValue ?? 0) > 0, "\(perStream)")

        // A second in which the FLV viewer played throughout (and the one after it).
        let flvSeen = Int(Date().timeIntervalSince1970)
        usleep(2_200_000)

        // Stopping the FLV viewer's session cuts it and only it.
        let stopped = try controller.call("{\"stop_sessid\": \"\(flvSession)\"}")
        #expect(!stopped.hasMember("error"), "\(stopped)")
        #expect(waitFor(seconds: 10) { flv.hasEnded })
        let before = ts.received
        usleep(1_500_000)
        #expect(!ts.hasEnded && ts.received > before, "the TS viewer goes on")

        // `clients` with a time shows the connections of that second: the FLV viewer, gone now,
        // is there a moment before it was stopped (as a Unix time and as seconds before now).
        #expect(
            waitFor(seconds: 10) {
                let now =
                    ((try? controller.call(#"{"clients": {"fields": ["protocol"]}}"#)["clients"]["data"].arrayValue)
                        ?? nil) ?? []
                return !now.contains { $0[0] == "FLV" }
            })
        let earlier = try controller.call(
            "{\"clients\": {\"time\": \(flvSeen), \"fields\": [\"protocol\", \"sessid\"]}}")["clients"]
        #expect(earlier["time"].intValue == Int64(flvSeen))
        #expect(
            earlier["data"].arrayValue?.contains { $0[0] == "FLV" && $0[1].asString == flvSession } == true,
            "\(earlier)")
        let ago = Int(Date().timeIntervalSince1970) - flvSeen
        let relative = try controller.call("{\"clients\": {\"time\": -\(ago), \"fields\": [\"protocol\"]}}")["clients"]
        #expect(relative["data"].arrayValue?.contains { $0[0] == "FLV" } == true, "\(relative)")

        // Counters grow.
        usleep(1_000_000)
        let second = try Self.prometheus(controller.apiPort)
        #expect((second["mist_bw_total{direction=up}"] ?? 0) > (first["mist_bw_total{direction=up}"] ?? 0))
        #expect((second["mist_sessions_count_total{sessType=viewers}"] ?? 0) >= 3)
        #expect((second["mist_sessions_total{sessType=incoming}"] ?? 0) == 1)
        #expect((second["mist_mem_total{}"] ?? 0) > 0 && (second["mist_logs_total{}"] ?? 0) > 0)
        let totals = try controller.call(#"{"totals": {"fields": ["clients", "upbps"]}}"#)["totals"]
        #expect(totals["fields"] == ["clients", "upbps"] && (totals["data"].arrayValue?.count ?? 0) > 3)
        #expect(totals["data"].arrayValue?.contains { ($0[0].intValue ?? 0) >= 2 } == true)

        #expect(RTMPEndToEndTests.finish(push, seconds: 30))
        #expect(RTMPEndToEndTests.finish(rtmp, seconds: 30))
        #expect(waitFor(seconds: 20) { ts.hasEnded })
        // USER_END 15 s after the last connection: the bytes the TS viewer got, within 5 %.
        #expect(
            waitFor(seconds: 40) {
                recorder.calls("USER_END").contains { $0.lines.count == 12 && $0.lines[0] == "one" }
            })
        let ended = try #require(recorder.calls("USER_END").first { $0.lines.first == "one" })
        #expect(ended.lines[1] == "live" && ended.lines[2] == "HTTPTS" && ended.lines[3] == "127.0.0.1")
        // The API's tag, and the player's User-Agent as MistServer's outputs tag it.
        let tags = ended.lines[7]
        #expect(tags.contains("[vip]") && tags.contains("[UA:counter]") && tags.count == 17, "\(tags)")
        let up = Double(ended.lines[5]) ?? 0
        let got = Double(ts.received)
        #expect(abs(up - got) <= got * 0.05, "USER_END says \(up) bytes up, the viewer got \(got)")
        #expect(controller.log.contains("Session <\(ended.lines[11])> live (HTTPTS) from 127.0.0.1 ended after"))
        #expect(controller.log.contains("Tags: [vip]"))
        #expect(
            waitFor(seconds: 40) {
                recorder.calls("STREAM_END").contains { $0.lines.first == "live" && $0.lines.count == 7 }
            })
        let streamEnd = try #require(recorder.calls("STREAM_END").first)
        #expect((Int(streamEnd.lines[2]) ?? 0) > Int(got) && (Int(streamEnd.lines[1]) ?? 0) > 100_000)
        #expect((Int(streamEnd.lines[3]) ?? 0) >= 3 && streamEnd.lines[4] == "1")
        // The viewers here name their tokens ("one"); generated ones are numbers.
        TriggerShape.expectCapturedShapes(
            recorder, ["USER_END"],
            also: [
                "USER_END": [
                    [.text, .text, .text, .text] + Array(repeating: .number, count: 3) + [.text]
                        + Array(repeating: .number, count: 3) + [.sessionID]
                ]
            ])
    }
}
