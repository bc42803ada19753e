import Foundation
import MistData
import Testing

/// SRT under the controller, with ffmpeg, ffprobe and srt-live-transmit as the peers:
/// MistOutTSSRT takes a push (stream id `live`) and plays it back to SRT callers in both stream
/// id forms, beside HTTP-TS; MistInTSSRT listens for a sender and calls one; a lossy link still
/// plays and its losses show in `clients`.
@Suite(.serialized) struct SRTEndToEndTests {
    /// ffmpeg pushing the test pattern as MPEG-TS over SRT.
    static func push(_ url: String, seconds: Int, log: URL) throws -> Process {
        try MediaTools.ffmpeg(
            [
                "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=1000:sample_rate=48000", "-t", String(seconds), "-c:v", "libx264", "-preset",
                "ultrafast", "-tune", "zerolatency", "-g", "50", "-bf", "0", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-b:a", "96k", "-f", "mpegts", url,
            ], log: log)
    }

    /// Four seconds of `url` copied to a TS file, and what ffprobe finds in it.
    static func record(_ url: String, into file: URL, log: URL) throws -> [String: MediaTools.StreamReport] {
        try MediaTools.make(["-i", url, "-t", "4", "-c", "copy", "-f", "mpegts", file.path], log: log)
        return try MediaTools.report(file.path)
    }

    static func expectTestPattern(_ report: [String: MediaTools.StreamReport], _ what: String, frames: Int = 75) {
        let video = report["video"]
        #expect(video?.codec == "h264" && video?.width == 640 && video?.height == 360, "\(what)")
        #expect((video?.pts.count ?? 0) >= frames, "\(what): \(video?.pts.count ?? 0) frames in 4 s")
        #expect(report["audio"]?.codec == "aac", "\(what)")
    }

    static func waitForSRT(_ controller: ControllerHarness) -> Bool {
        waitFor { controller.log.contains("Listening for SRT on") }
    }

    @Test(.enabled(if: MediaTools.available)) func pushedOverSRTPlaysOverSRTAndHTTP() throws {
        let srtPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "TSSRT", "port": \(srtPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(Self.waitForSRT(controller) && waitFor { ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder

        // A stream not configured for pushes: refused, and ffmpeg's push ends.
        let refused = try Self.push(
            "srt://127.0.0.1:\(srtPort)?streamid=elsewhere", seconds: 8,
            log: folder.appendingPathComponent("refused.log"))
        #expect(BoundedWait.exit(refused, seconds: 30, "refused ffmpeg") && refused.terminationStatus != 0)
        #expect(controller.log.contains("SRT push from"))

        let push = try Self.push(
            "srt://127.0.0.1:\(srtPort)?streamid=live", seconds: 40, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        let info = try HTTPTestClient(port: httpPort).get("/json_live.js").json()
        let codecs = Set((info["meta"]["tracks"].objectValue ?? JSONObject()).map { $0.value["codec"].asString })
        #expect(codecs == ["H264", "AAC"])

        Self.expectTestPattern(
            try Self.record(
                "http://127.0.0.1:\(httpPort)/live.ts", into: folder.appendingPathComponent("http.ts"),
                log: folder.appendingPathComponent("http.log")), "HTTP-TS")

        // A player naming its mode plays at once; one that names only the stream after 3 s of silence.
        let requestURL = "srt://127.0.0.1:\(srtPort)?streamid=%23!::r=live,m=request"
        let overSRT = folder.appendingPathComponent("srt.ts")
        Self.expectTestPattern(
            try Self.record(requestURL, into: overSRT, log: folder.appendingPathComponent("srt.log")), "SRT request")
        #expect(try MediaTools.decodeErrors(overSRT.path, log: folder.appendingPathComponent("decode.log")).isEmpty)
        let streams =
            try MediaTools.probe(
                "srt://127.0.0.1:\(srtPort)?streamid=live", arguments: ["-show_streams"])["streams"].arrayValue ?? []
        #expect(Set(streams.map { $0["codec_name"].asString }) == ["h264", "aac"])

        // srt-live-transmit pulls the stream to a file.
        let pulled = folder.appendingPathComponent("slt.ts")
        let transmit = Process()
        transmit.executableURL = URL(fileURLWithPath: "/usr/bin/srt-live-transmit")
        transmit.arguments = ["-a:no", "-q", "srt://127.0.0.1:\(srtPort)?streamid=live&mode=caller", "file://con"]
        FileManager.default.createFile(atPath: pulled.path, contents: nil)
        let output = try FileHandle(forWritingTo: pulled)
        transmit.standardOutput = output
        transmit.standardError = FileHandle.nullDevice
        try transmit.run()
        // While it pulls: the viewers and the publisher are in `clients` with SRT's packet counts.
        var rows: [JSONValue] = []
        #expect(
            waitFor(seconds: 15) {
                let reply =
                    (try? controller.call(
                        #"{"clients": {"streams": ["live"], "fields": ["host", "protocol", "pktcount"]}}"#))
                    ?? .null
                rows = reply["clients"]["data"].arrayValue ?? []
                return rows.contains { $0[2].asInt > 100 && $0[1] == "INPUT:TSSRT" }
                    && rows.contains { $0[2].asInt > 100 && $0[1] == "TSSRT" }
            }, "\(rows)")
        usleep(3_000_000)
        BoundedWait.stop(transmit)
        try output.close()
        let transmitted = try MediaTools.report(pulled.path)
        #expect(transmitted["video"]?.codec == "h264" && (transmitted["video"]?.pts.count ?? 0) >= 25)
        #expect(controller.log.contains("SRT viewer"))
    }

    @Test(.enabled(if: MediaTools.available)) func inputListensForASenderAndCallsOne() throws {
        let listenPort = ControllerHarness.freePort()
        let callPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {
                    "waiting": {"name": "waiting", "source": "srt://127.0.0.1:\(listenPort)?mode=listener",
                                "always_on": true},
                    "calling": {"name": "calling", "source": "srt://127.0.0.1:\(callPort)"}}}
                """)
        defer { controller.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder
        #expect(waitFor { controller.log.contains("Waiting for SRT senders on 127.0.0.1:\(listenPort)") })

        // MistInTSSRT listening: ffmpeg calls it.
        let sender = try Self.push(
            "srt://127.0.0.1:\(listenPort)", seconds: 30, log: folder.appendingPathComponent("sender.log"))
        defer { if sender.isRunning { sender.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "waiting"))
        Self.expectTestPattern(
            try Self.record(
                "http://127.0.0.1:\(httpPort)/waiting.ts", into: folder.appendingPathComponent("waiting.ts"),
                log: folder.appendingPathComponent("waiting.log")), "listening input")

        // MistInTSSRT calling: ffmpeg listens, a viewer's request starts the input.
        let listener = try Self.push(
            "srt://127.0.0.1:\(callPort)?mode=listener", seconds: 30, log: folder.appendingPathComponent("listener.log")
        )
        defer { if listener.isRunning { listener.terminate() } }
        Self.expectTestPattern(
            try Self.record(
                "http://127.0.0.1:\(httpPort)/calling.ts", into: folder.appendingPathComponent("calling.ts"),
                log: folder.appendingPathComponent("calling.log")), "calling input")
        #expect(controller.log.contains("Connected to SRT source 127.0.0.1:\(callPort)"))
    }

    @Test(.enabled(if: MediaTools.available)) func lossyLinkStillPlaysAndCountsItsLosses() throws {
        let srtPort = ControllerHarness.freePort()
        let relayPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"prometheus": "metrics", "protocols": [
                    {"connector": "TSSRT", "port": \(srtPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"lossy": {"name": "lossy", "source": "push://"}}}
                """)
        defer { controller.stop() }
        #expect(Self.waitForSRT(controller) && waitFor { ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder
        // Every 20th datagram each way is dropped between ffmpeg and the server.
        let relay = try LossyUDPRelay(listen: UInt16(relayPort), forward: UInt16(srtPort), dropEvery: 20)
        defer { relay.stop() }
        let push = try Self.push(
            "srt://127.0.0.1:\(relayPort)?streamid=lossy&latency=400000", seconds: 40,
            log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "lossy"))
        let played = folder.appendingPathComponent("lossy.ts")
        Self.expectTestPattern(
            try Self.record(
                "http://127.0.0.1:\(httpPort)/lossy.ts", into: played, log: folder.appendingPathComponent("play.log")),
            "lossy push")
        #expect(try MediaTools.decodeErrors(played.path, log: folder.appendingPathComponent("decode.log")).isEmpty)
        #expect(relay.dropped > 20)
        var row: JSONValue = .null
        #expect(
            waitFor(seconds: 10) {
                let reply =
                    (try? controller.call(
                        #"{"clients": {"streams": ["lossy"], "fields": ["protocol", "pktcount", "pktlost", "pktretransmit"]}}"#
                    )) ?? .null
                row = reply["clients"]["data"].arrayValue?.first { $0[0].asString == "INPUT:TSSRT" } ?? .null
                return row[1].asInt > 0 && row[2].asInt > 0
            }, "\(row)")
        let totals = try controller.call(#"{"totals": {"fields": ["perc_lost"]}}"#)
        #expect((totals["totals"]["data"].arrayValue ?? []).contains { $0[0].asInt > 0 }, "\(totals)")
        let metrics = try StatisticsEndToEndTests.prometheus(controller.apiPort)
        #expect(
            (metrics["mist_packets_total{pkttype=lost}"] ?? 0) > 0, "\(metrics.filter { $0.key.contains("packets") })")
        #expect((metrics["mist_packets{pkttype=lost,stream=lossy}"] ?? 0) > 0)
    }
}
