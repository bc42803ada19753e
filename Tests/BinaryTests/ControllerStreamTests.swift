import Foundation
import MistData
import MistShm
import ShmTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Streams configured in the controller: inputs started on demand by a viewer's output, and
/// pushes accepted only where the configuration allows them.
@Suite(.serialized) struct ControllerStreamTests {
    @Test func viewerStartsAConfiguredFileStreamOnDemandOnlyOnce() throws {
        let dtscPort = ControllerHarness.freePort()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vod-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("movie.dtsc")
        try DTSCEndToEndTests.writeFile(to: file)
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "DTSC", "port": \(dtscPort), "interface": "127.0.0.1"}]},
                 "streams": {"vod": {"name": "vod", "source": "\(file.path)", "inputtimeout": 5}}}
                """)
        #expect(waitFor { ControllerHarness.portAccepts(dtscPort) })
        let before = try controller.call(#"{"streams": true}"#, path: "/api2")
        #expect(before["streams"]["vod"]["error"] == "Available")

        // Two viewers ask at once; one input serves both.
        let packets = TestStream.packets(seconds: DTSCEndToEndTests.seconds)
        let expected = Array(try TestStream.expectedFrames(packets).joined())
        // Readers of both copies wait for them; then two pulls ask the server at once.
        let outputs = (1...2).map { folder.appendingPathComponent("copy\($0).dtsc") }
        let readers = try (1...2).map { index in
            try controller.startPeer(
                "ShmPeer", ["read", "copy\(index)", outputs[index - 1].path, String(packets.count)])
        }
        let pulls = try (1...2).map { index in
            try controller.startPeer("MistInDTSC", ["-s", "copy\(index)", "dtsc://127.0.0.1:\(dtscPort)/vod"])
        }
        defer { (pulls + readers).forEach { if $0.isRunning { $0.terminate() } } }
        // While it plays: one input, online in the API.
        #expect(
            waitFor {
                let reply =
                    (try? controller.call(#"{"streams": true, "active_streams": true}"#, path: "/api2")) ?? .null
                return reply["streams"]["vod"]["online"] == 1
                    && (reply["active_streams"].arrayValue ?? []).contains("vod")
            })
        #expect(ControllerHarness.processes(containing: ["MistInDTSC", "vod", file.path]).count == 1)
        for (reader, output) in zip(readers, outputs) {
            #expect(waitFor(seconds: 30) { !reader.isRunning })
            if reader.isRunning { BoundedWait.stop(reader) }
            let got = Array((try? Data(contentsOf: output)) ?? Data())
            #expect(got.count == expected.count)
            #expect(got.count != expected.count || got == expected)
        }
        #expect(controller.log.contains("Started MistInDTSC"))

        // Idle: the input leaves on its own after its timeout.
        pulls.forEach { $0.terminate() }
        #expect(waitFor(seconds: 30) { ControllerHarness.processes(containing: ["MistInDTSC", file.path]).isEmpty })
    }

    @Test func pushesGoOnlyIntoStreamsConfiguredForThem() throws {
        let dtscPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "DTSC", "port": \(dtscPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"},
                             "elsewhere": {"name": "elsewhere", "source": "push://192.0.2.1"},
                             "file": {"name": "file", "source": "/nonexistent.dtsc"}}}
                """)
        #expect(waitFor { ControllerHarness.portAccepts(dtscPort) })

        func push(_ stream: String) throws -> (TCPTestClient, String) {
            let publisher = try TCPTestClient(port: UInt16(dtscPort))
            #expect(try publisher.read(timeoutSeconds: 10).starts(with: Array("DTCM".utf8)))
            try publisher.write(DTSCFrameWriter.frame(.command, object: ["cmd": "push", "stream": .string(stream)]))
            return (publisher, String(decoding: try publisher.read(timeoutSeconds: 20), as: UTF8.self))
        }
        let (accepted, answer) = try push("live")
        defer { accepted.close() }
        #expect(answer.contains("Pushing"))
        for (stream, reason) in [
            ("unknown", "not configured"), ("elsewhere", "only takes pushes from 192.0.2.1"),
            ("file", "does not take pushes"),
        ] {
            let (refused, answer) = try push(stream)
            refused.close()
            #expect(answer.contains("error") && answer.contains(reason), "\(stream): \(answer)")
        }
        #expect(controller.log.contains("Refusing a push from 127.0.0.1"))
    }

    @Test func alwaysOnStreamsRunWithoutViewersAndStopWithTheController() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("always-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("loop.dtsc")
        try DTSCEndToEndTests.writeFile(to: file)
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": []},
                 "streams": {"always": {"name": "always", "source": "\(file.path)", "always_on": true}}}
                """)
        #expect(
            waitFor {
                let reply = (try? controller.call(#"{"active_streams": true}"#, path: "/api2")) ?? .null
                return (reply["active_streams"].arrayValue ?? []).contains("always")
            })
        let inputs = ControllerHarness.processes(containing: ["MistInDTSC", file.path])
        #expect(inputs.count == 1)
        controller.stop()
        #expect(waitFor(seconds: 10) { ControllerHarness.processes(containing: ["MistInDTSC", file.path]).isEmpty })
    }
}
