import Foundation
import MistData
import Testing

/// Pushes of a live stream as MPEG-TS over the network, each read by an independent peer or
/// input: `srt://` into our own TSSRT listener (another stream), `tsudp://` into MistInTS,
/// `tsrtp://` to ffprobe, `tstcp://` to a listening ffmpeg.
@Suite(.serialized) struct TSPushEndToEndTests {
    @Test(.enabled(if: MediaTools.available)) func pushesOverSRTUDPRTPAndTCPArrive() throws {
        let srtPort = ControllerHarness.freePort()
        let httpPort = ControllerHarness.freePort()
        let udpPort = ControllerHarness.freePort()
        let tcpPort = ControllerHarness.freePort()
        // ffmpeg's RTP input binds the port after it too (RTCP): both are kept from other tests.
        let rtpPort = ControllerHarness.freePort()
        _ = ControllerHarness.freePort()
        let recorder = try TriggerRecorder { _ in "true" }
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [
                    {"connector": "TSSRT", "port": \(srtPort), "interface": "127.0.0.1"},
                    {"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}],
                  "triggers": {"STREAM_READY": [{"handler": "\(recorder.url)", "sync": true}],
                               "STREAM_UNLOAD": [{"handler": "\(recorder.url)", "sync": false}]}},
                 "streams": {
                    "live": {"name": "live", "source": "push://"},
                    "srtcopy": {"name": "srtcopy", "source": "push://"},
                    "udpcopy": {"name": "udpcopy", "source": "tsudp://127.0.0.1:\(udpPort)"}}}
                """)
        defer { controller.stop() }
        #expect(SRTEndToEndTests.waitForSRT(controller) && waitFor { ControllerHarness.portAccepts(httpPort) })
        let folder = controller.folder
        let push = try SRTEndToEndTests.push(
            "srt://127.0.0.1:\(srtPort)?streamid=live", seconds: 60, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))

        func start(_ target: String) throws {
            let reply = try controller.call("{\"push_start\": [\"live\", \"\(target)\"]}")
            #expect(reply["error"].isNull, "\(reply)")
        }

        // srt:// into the same server's SRT listener, as another stream.
        try start("srt://127.0.0.1:\(srtPort)?streamid=srtcopy")
        #expect(RTMPEndToEndTests.waitForActive(controller, "srtcopy"))
        SRTEndToEndTests.expectTestPattern(
            try SRTEndToEndTests.record(
                "http://127.0.0.1:\(httpPort)/srtcopy.ts", into: folder.appendingPathComponent("srtcopy.ts"),
                log: folder.appendingPathComponent("srtcopy.log")), "srt:// push")

        // tsudp:// into MistInTS, started by the viewer's request.
        try start("tsudp://127.0.0.1:\(udpPort)")
        SRTEndToEndTests.expectTestPattern(
            try SRTEndToEndTests.record(
                "http://127.0.0.1:\(httpPort)/udpcopy.ts", into: folder.appendingPathComponent("udpcopy.ts"),
                log: folder.appendingPathComponent("udpcopy.log")), "tsudp:// push")
        // The live pull fires STREAM_READY as MistServer's inputs do, and STREAM_UNLOAD when it
        // is stopped.
        #expect(recorder.calls("STREAM_READY").contains { $0.lines == ["udpcopy", "TS"] })
        #expect(recorder.calls("STREAM_READY").contains { $0.lines == ["srtcopy", "Buffer"] })
        _ = try controller.call(#"{"nuke_stream": "udpcopy"}"#)
        #expect(
            waitFor(seconds: 15) {
                recorder.calls("STREAM_UNLOAD").contains {
                    $0.lines.count == 3 && $0.lines[0] == "udpcopy" && $0.lines[1] == "TS"
                        && $0.lines[2].hasPrefix("uncancelable")
                }
            })
        TriggerShape.expectCapturedShapes(recorder, ["STREAM_READY", "STREAM_UNLOAD"])

        // tsrtp:// to ffmpeg, which reads static payload type 33 without an SDP.
        let rtpFile = folder.appendingPathComponent("rtp.ts")
        let rtpReader = try MediaTools.ffmpeg(
            ["-i", "rtp://127.0.0.1:\(rtpPort)", "-t", "4", "-c", "copy", "-f", "mpegts", rtpFile.path],
            log: folder.appendingPathComponent("rtp.log"))
        defer { if rtpReader.isRunning { rtpReader.terminate() } }
        usleep(500_000)
        try start("tsrtp://127.0.0.1:\(rtpPort)")
        #expect(
            BoundedWait.exit(rtpReader, seconds: 60, "ffmpeg reading RTP") && rtpReader.terminationStatus == 0,
            "\((try? String(contentsOf: folder.appendingPathComponent("rtp.log"), encoding: .utf8)) ?? "")")
        // ffmpeg's RTP input spends the first seconds of its four probing the stream.
        SRTEndToEndTests.expectTestPattern(try MediaTools.report(rtpFile.path), "tsrtp:// push", frames: 40)

        // tstcp:// to a listening ffmpeg.
        let tcpFile = folder.appendingPathComponent("tcp.ts")
        let tcpReader = try MediaTools.ffmpeg(
            ["-i", "tcp://127.0.0.1:\(tcpPort)?listen=1", "-t", "4", "-c", "copy", "-f", "mpegts", tcpFile.path],
            log: folder.appendingPathComponent("tcp.log"))
        defer { if tcpReader.isRunning { tcpReader.terminate() } }
        #expect(waitFor { ControllerHarness.processes(containing: ["listen=1", "\(tcpPort)"]).count > 0 })
        usleep(500_000)
        try start("tstcp://127.0.0.1:\(tcpPort)")
        #expect(BoundedWait.exit(tcpReader, seconds: 60, "ffmpeg reading TCP") && tcpReader.terminationStatus == 0)
        SRTEndToEndTests.expectTestPattern(try MediaTools.report(tcpFile.path), "tstcp:// push")
    }
}
