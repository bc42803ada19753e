import Foundation
import MistMedia
import Testing

/// Hostile RTMP commands sent to the real MistOutRTMP: numbers that used to trap it (a Swift
/// runtime abort of the process that serves every RTMP viewer and publisher) are clamped, and
/// the other viewers go on being served by the same process.
@Suite(.serialized) struct RTMPHostileCommandTests {
    @Test(.enabled(if: MediaTools.available)) func seekAndPauseToInfinityDoNotEndTheOutput() throws {
        let port = ControllerHarness.freePort()
        let folder = try MediaTools.temporaryFolder("rtmphostile")
        defer { try? FileManager.default.removeItem(at: folder) }
        let flv = folder.appendingPathComponent("movie.flv")
        try MediaTools.makeTestFile(flv, seconds: 8)
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "RTMP", "port": \(port), "interface": "127.0.0.1"}]},
                 "streams": {"movie": {"name": "movie", "source": "\(flv.path)"}}}
                """)
        #expect(waitFor { ControllerHarness.portAccepts(port) })
        let server = controller.children(named: "MistOutRTMP")
        #expect(server.count == 1)

        // A well-behaved viewer of the same process, playing the whole file meanwhile.
        let recording = folder.appendingPathComponent("viewer.flv")
        let viewer = try MediaTools.ffmpeg(
            ["-i", "rtmp://127.0.0.1:\(port)/vod/movie", "-c", "copy", "-f", "flv", recording.path],
            log: folder.appendingPathComponent("viewer.log"))
        defer { if viewer.isRunning { viewer.terminate() } }

        // The hostile player: plays the file, then seeks and pauses to numbers no clock has.
        let hostile = try RTMPTestClient(port: port)
        try hostile.command([.string("connect"), .number(1), .object([("app", .string("vod"))])])
        try hostile.command([.string("createStream"), .number(2), .null])
        usleep(300_000)
        try hostile.command([.string("play"), .number(3), .null, .string("movie")], streamID: 1, chunkStream: 8)
        usleep(500_000)
        for value in [Double.infinity, -.infinity, .nan, 1e300, 1.8446744073709552e19, -1e300] {
            try hostile.command([.string("seek"), .number(4), .null, .number(value)], streamID: 1, chunkStream: 8)
            try hostile.command(
                [.string("pause"), .number(5), .null, .bool(true), .number(value)], streamID: 1, chunkStream: 8)
            try hostile.command(
                [.string("pause"), .number(6), .null, .bool(false), .number(value)], streamID: 1, chunkStream: 8)
            try hostile.command(
                [.string("play"), .number(7), .null, .string("movie"), .number(value), .number(value)], streamID: 1,
                chunkStream: 8)
        }
        // It is still answered: the process did not trap.
        let answer = try hostile.connection.read(timeoutSeconds: 5)
        #expect(!answer.isEmpty)
        // Both players did play (so the seeks reached a playing session).
        #expect(waitFor { controller.log.components(separatedBy: "plays movie").count >= 3 }, "\(controller.log)")
        usleep(500_000)
        #expect(controller.children(named: "MistOutRTMP") == server)
        #expect(ControllerHarness.portAccepts(port))
        // The other viewer got the whole file from the same process.
        #expect(RTMPEndToEndTests.finish(viewer, seconds: 40))
        try RTMPEndToEndTests.checkRecording(recording, expectedFrames: 200)
        #expect(controller.children(named: "MistOutRTMP") == server)
        #expect(!controller.log.contains("Fatal error"))
    }
}
