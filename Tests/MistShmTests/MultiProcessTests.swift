import Foundation
import MistData
import ShmTestSupport
import Testing

@testable import MistShm

/// One writer process and three reader processes on the same stream, through shared memory only.
@Suite struct MultiProcessTests {
    static let peer = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("ShmPeer")

    static func start(_ arguments: [String], stdout: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = peer
        process.arguments = arguments
        if let stdout { process.standardOutput = stdout }
        try process.run()
        return process
    }

    @Test func threeReadersGetEveryPacketAndSurviveTheWriterBeingKilled() throws {
        let stream = "swiftmulti\(getpid())"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(at: folder)
            StreamCleanup.removePages(of: stream)
        }
        let seconds: UInt64 = 8
        let writerOutput = Pipe()
        // Paced at 1 ms per packet, so the readers join while the stream is being written.
        let writer = try Self.start(["write", stream, String(seconds), "1000", "hold"], stdout: writerOutput)
        let outputs = (0..<3).map { folder.appendingPathComponent("reader\($0).dtsc") }
        let readers = try outputs.map { try Self.start(["read", stream, $0.path]) }

        let said = writerOutput.fileHandleForReading.readData(ofLength: 8)
        #expect(String(decoding: said, as: UTF8.self) == "written\n")
        kill(writer.processIdentifier, SIGKILL)
        writer.waitUntilExit()
        #expect(writer.terminationReason == .uncaughtSignal)

        let deadline = Date().addingTimeInterval(30)
        for reader in readers {
            while reader.isRunning && Date() < deadline { usleep(20_000) }
            if reader.isRunning { reader.terminate() }
            reader.waitUntilExit()
            #expect(reader.terminationStatus == 0)
        }

        let expected = try TestStream.expectedFrames(TestStream.packets(seconds: seconds))
        let expectedBytes = Array(expected.joined())
        for output in outputs {
            let bytes = Array(try Data(contentsOf: output))
            #expect(bytes.count == expectedBytes.count)
            #expect(bytes == expectedBytes)
        }

        // The killed writer's pages are still there until cleaned, as MistServer's controller does.
        #expect(StreamCleanup.inputIsGone(stream))
        #expect(!StreamCleanup.pageNames(of: stream).isEmpty)
        StreamCleanup.removePages(of: stream)
        #expect(!StreamCleanup.allMistObjects().contains { $0.contains(stream) })
    }

    @Test func aKilledReaderStopsCountingAsAViewer() throws {
        let stream = "swiftviewer\(getpid())"
        let writer = try StreamWriter(stream: stream, live: true)
        defer { writer.close() }
        for info in TestStream.tracks { _ = try writer.addTrack(info) }
        let reader = try Self.start(["read", stream, "/dev/null"])
        var waited = 0
        while writer.viewerCount() < 2 && waited < 10_000 {
            usleep(10_000)
            waited += 10
        }
        #expect(writer.viewerCount() == 2)
        kill(reader.processIdentifier, SIGKILL)
        reader.waitUntilExit()
        #expect(writer.viewerCount() == 0)
    }

    @Test func aNewWriterTakesOverFromAKilledOne() throws {
        let stream = "swifttakeover\(getpid())"
        defer { StreamCleanup.removePages(of: stream) }
        let output = Pipe()
        let writer = try Self.start(["write", stream, "2", "0", "hold"], stdout: output)
        _ = output.fileHandleForReading.readData(ofLength: 8)
        kill(writer.processIdentifier, SIGKILL)
        writer.waitUntilExit()
        // The semaphore and pages of the dead writer are found stale and replaced.
        let successor = try StreamWriter(stream: stream, live: true)
        #expect(successor.trackCount == 0)
        successor.close()
        #expect(!StreamCleanup.allMistObjects().contains { $0.contains(stream) })
    }
}

/// Where /dev/shm is missing (simulated with MIST_SHM_FOLDER), pages are files in a folder.
@Suite struct FileBackedFallbackTests {
    @Test func writerAndReaderMeetInAFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shmfiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stream = "swiftfiles\(getpid())"
        func start(_ arguments: [String], stdout: Pipe? = nil) throws -> Process {
            let process = Process()
            process.executableURL = MultiProcessTests.peer
            process.arguments = arguments
            process.environment = ["MIST_SHM_FOLDER": folder.path]
            if let stdout { process.standardOutput = stdout }
            try process.run()
            return process
        }
        let said = Pipe()
        let writer = try start(["write", stream, "2", "0", "hold"], stdout: said)
        _ = said.fileHandleForReading.readData(ofLength: 8)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(names.contains("MstMeta" + stream))
        #expect(names.contains { $0.hasPrefix("MstData" + stream + "@") })
        #expect(!StreamCleanup.allMistObjects().contains { $0.contains(stream) })  // nothing in /dev/shm
        let output = folder.appendingPathComponent("out.dtsc")
        let reader = try start(["read", stream, output.path, String(TestStream.packets(seconds: 2).count)])
        let deadline = Date().addingTimeInterval(30)
        while reader.isRunning && Date() < deadline { usleep(20_000) }
        if reader.isRunning { reader.terminate() }
        reader.waitUntilExit()
        #expect(reader.terminationStatus == 0)
        let expected = Array(try TestStream.expectedFrames(TestStream.packets(seconds: 2)).joined())
        let got = Array(try Data(contentsOf: output))
        #expect(got.count == expected.count)
        #expect(got.count != expected.count || got == expected)
        // SIGKILL: a child started from a test thread may inherit a mask that blocks SIGTERM.
        kill(writer.processIdentifier, SIGKILL)
        writer.waitUntilExit()
        StreamCleanup.removePages(of: stream)
    }
}
