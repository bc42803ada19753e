import Foundation
import MistData
import MistMedia
import MistRTMP
import Testing

@testable import MistOutput

#if canImport(Glibc)
    import Glibc
#endif

/// ffmpeg pushes over RTMP into MistController's MistOutRTMP, and ffmpeg plays it back over RTMP.
@Suite(.serialized) struct RTMPEndToEndTests {
    static func controller(rtmpPort: Int) throws -> ControllerHarness {
        try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "RTMP", "port": \(rtmpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"}}}
                """)
    }

    static func waitForActive(_ controller: ControllerHarness, _ stream: String) -> Bool {
        waitFor(seconds: 20) {
            let reply = (try? controller.call(#"{"active_streams": {"fields": ["status"]}}"#, path: "/api2")) ?? .null
            return reply["active_streams"]["data"][stream] == ["Online"]
        }
    }

    static func finish(_ process: Process, seconds: Double) -> Bool {
        let done = waitFor(seconds: seconds) { !process.isRunning }
        if !done { BoundedWait.stop(process) }
        return done
    }

    /// The checks every recording of the 25 fps test pattern must pass.
    static func checkRecording(_ file: URL, expectedFrames: Int) throws {
        let report = try MediaTools.report(file.path)
        let video = try #require(report["video"])
        let audio = try #require(report["audio"])
        #expect(video.codec == "h264")
        #expect(video.width == 640 && video.height == 360)
        #expect(audio.codec == "aac")
        let tolerance = max(1, expectedFrames / 100)
        #expect(abs(video.pts.count - expectedFrames) <= tolerance, "\(video.pts.count) video frames")
        #expect(zip(video.dts, video.dts.dropFirst()).allSatisfy { $0 < $1 }, "video timestamps go backwards")
        #expect(zip(audio.dts, audio.dts.dropFirst()).allSatisfy { $0 < $1 }, "audio timestamps go backwards")
        let videoStart = video.dts.first ?? 0
        let audioStart = audio.dts.first ?? 0
        let videoEnd = video.dts.last ?? 0
        let audioEnd = audio.dts.last ?? 0
        #expect(abs(videoStart - audioStart) < 0.05, "start drift \(videoStart - audioStart) s")
        #expect(abs(videoEnd - audioEnd) < 0.05, "end drift \(videoEnd - audioEnd) s")
    }

    @Test(.enabled(if: MediaTools.available)) func pushAndPlayOverRTMPAndRefuseASecondPublisher() throws {
        let port = ControllerHarness.freePort()
        let controller = try Self.controller(rtmpPort: port)
        #expect(waitFor { ControllerHarness.portAccepts(port) })
        let url = "rtmp://127.0.0.1:\(port)/live/live"
        let folder = controller.folder

        let push = try MediaTools.pushTestPattern(
            to: url, seconds: 10, log: folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(Self.waitForActive(controller, "live"))
        let recording = folder.appendingPathComponent("viewer.flv")
        let viewer = try MediaTools.ffmpeg(
            ["-i", url, "-c", "copy", "-f", "flv", recording.path], log: folder.appendingPathComponent("viewer.log"))
        defer { if viewer.isRunning { viewer.terminate() } }

        // A second publisher for the busy stream is turned away; the first goes on.
        usleep(1_000_000)
        let intruder = try MediaTools.pushTestPattern(
            to: url, seconds: 5, log: folder.appendingPathComponent("intruder.log"))
        #expect(Self.finish(intruder, seconds: 20))
        #expect(intruder.terminationStatus != 0)
        #expect(push.isRunning)

        #expect(Self.finish(push, seconds: 30))
        #expect(push.terminationStatus == 0)
        // The buffer keeps the stream a while for a returning publisher, then ends it; the viewer
        // sees the end and stops.
        #expect(Self.finish(viewer, seconds: 40))
        try Self.checkRecording(recording, expectedFrames: 250)
        #expect(controller.log.contains("RTMP push from 127.0.0.1"))
        #expect(controller.log.contains("Publish rejected"))
    }

    @Test(.enabled(if: MediaTools.available)) func aPublisherReturningWithinTheGraceKeepsItsViewer() throws {
        let port = ControllerHarness.freePort()
        let controller = try Self.controller(rtmpPort: port)
        #expect(waitFor { ControllerHarness.portAccepts(port) })
        let url = "rtmp://127.0.0.1:\(port)/live/live"
        let folder = controller.folder

        let first = try MediaTools.pushTestPattern(to: url, seconds: 4, log: folder.appendingPathComponent("a.log"))
        #expect(Self.waitForActive(controller, "live"))
        let recording = folder.appendingPathComponent("viewer.flv")
        let viewer = try MediaTools.ffmpeg(
            ["-i", url, "-c", "copy", "-f", "flv", recording.path], log: folder.appendingPathComponent("viewer.log"))
        defer { if viewer.isRunning { viewer.terminate() } }
        #expect(Self.finish(first, seconds: 20))
        usleep(500_000)
        let second = try MediaTools.pushTestPattern(to: url, seconds: 4, log: folder.appendingPathComponent("b.log"))
        #expect(Self.finish(second, seconds: 20))
        #expect(second.terminationStatus == 0)
        #expect(Self.finish(viewer, seconds: 40))
        try Self.checkRecording(recording, expectedFrames: 200)
    }

    @Test(.enabled(if: MediaTools.available)) func stoppingTheControllerMidPushLeavesNoPages() throws {
        let port = ControllerHarness.freePort()
        let controller = try Self.controller(rtmpPort: port)
        #expect(waitFor { ControllerHarness.portAccepts(port) })
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(port)/live/live", seconds: 20,
            log: controller.folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(Self.waitForActive(controller, "live"))
        usleep(1_500_000)
        // Once the controller has exited, its outputs and the stream's input are gone, and so are
        // their pages: a service manager finds nothing left behind.
        controller.stop()
        let left = (try? FileManager.default.contentsOfDirectory(atPath: controller.shmFolder.path)) ?? []
        #expect(left.isEmpty, "left behind: \(left.sorted())")
    }

    @Test func malformedInputClosesOnlyThatConnection() throws {
        let port = ControllerHarness.freePort()
        let controller = try Self.controller(rtmpPort: port)
        #expect(waitFor { ControllerHarness.portAccepts(port) })
        let server = controller.children(named: "MistOutRTMP")
        // Not RTMP at all: refused at the version byte.
        let http = try TCPTestClient(port: UInt16(port))
        try http.write(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8) + [UInt8](repeating: 0x20, count: 1600))
        #expect(try http.read(timeoutSeconds: 5).isEmpty)
        // A handshake, then a chunk continuing a message that never started.
        let broken = try RTMPTestClient(port: port).connection
        try broken.write([0xC7, 1, 2, 3])
        #expect(try broken.read(timeoutSeconds: 5).isEmpty)
        // The server goes on, in the same process.
        #expect(ControllerHarness.portAccepts(port))
        #expect(controller.children(named: "MistOutRTMP") == server)
        #expect(waitFor { controller.log.contains("continues a message it never started") })
    }

    /// A .dtsc file of an ffmpeg-made FLV: its tags through RTMP ingest, with a file header.
    static func dtscFile(fromFLV flv: URL, to file: URL) throws {
        let (frames, ingest) = try FLVIngest.run(flv)
        // The first frame is the live header; a file starts with a VOD one.
        let headerLength = 8 + frames[4..<8].reduce(0) { $0 << 8 | Int($1) }
        var header = try frames[0..<headerLength].withUnsafeBytes { try DTSHHeader(DTSCPacket($0)) }
        header.isVOD = true
        header.isLive = false
        try Data(try header.encode(includeTables: false) + frames[headerLength...]).write(to: file)
    }

    @Test(.enabled(if: MediaTools.available)) func aFileStreamPlaysOverRTMPAtItsOwnPace() throws {
        let port = ControllerHarness.freePort()
        let folder = try MediaTools.temporaryFolder("rtmpvod")
        defer { try? FileManager.default.removeItem(at: folder) }
        let flv = folder.appendingPathComponent("source.flv")
        try MediaTools.makeTestFile(flv, seconds: 8)
        let file = folder.appendingPathComponent("movie.dtsc")
        try Self.dtscFile(fromFLV: flv, to: file)
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "RTMP", "port": \(port), "interface": "127.0.0.1"}]},
                 "streams": {"movie": {"name": "movie", "source": "\(file.path)"}}}
                """)
        #expect(waitFor { ControllerHarness.portAccepts(port) })
        let recording = folder.appendingPathComponent("viewer.flv")
        let started = Date()
        let viewer = try MediaTools.ffmpeg(
            ["-i", "rtmp://127.0.0.1:\(port)/vod/movie", "-c", "copy", "-f", "flv", recording.path],
            log: folder.appendingPathComponent("viewer.log"))
        #expect(Self.finish(viewer, seconds: 40))
        // 8 s of media with a 5 s head start: not much faster than 3 s, not much slower than 8.
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed > 2.5 && elapsed < 15, "played in \(elapsed) s")
        try Self.checkRecording(recording, expectedFrames: 200)
    }
}
