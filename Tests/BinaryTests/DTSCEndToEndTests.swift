import Foundation
import MistData
import MistShm
import ShmTestSupport
import Testing

/// `.dtsc` file → MistInDTSC → MistOutDTSC → a second MistInDTSC pulling dtsc:// → readers.
@Suite(.serialized) struct DTSCEndToEndTests {
    static let seconds: UInt64 = 6

    /// The test stream's header, with the source's track ids.
    static func header() -> DTSHHeader {
        var header = DTSHHeader(isVOD: true)
        for (index, info) in TestStream.tracks.enumerated() {
            var track = DTSHTrack(
                identifier: "\(info.type)_\(info.codec)_\(index)", trackID: UInt64(info.id), type: info.type,
                codec: info.codec, initData: info.initData)
            track.language = info.language.isEmpty ? nil : info.language
            track.width = UInt64(info.width)
            track.height = UInt64(info.height)
            track.fpks = UInt64(info.fpks)
            track.rate = UInt64(info.rate)
            track.channels = UInt64(info.channels)
            track.sampleSize = UInt64(info.sampleSize)
            header.tracks.append(track)
        }
        return header
    }

    /// The DTSC frames of `packets` as a source sends them.
    static func frames(_ packets: [TestStream.Packet]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for packet in packets {
            bytes += try packet.payload.withUnsafeBytes {
                try DTSCFrameWriter.mediaPacket(
                    trackID: TestStream.tracks[packet.track].id, time: packet.time, offset: packet.offset,
                    keyframe: packet.keyframe, data: $0)
            }
        }
        return bytes
    }

    /// A .dtsc file of the test stream: a header, then every packet with the file's track ids.
    static func writeFile(to url: URL) throws {
        let bytes = try header().encode(includeTables: false) + frames(TestStream.packets(seconds: seconds))
        try Data(bytes).write(to: url)
    }

    static func start(_ binary: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = BinaryTests.directory.appendingPathComponent(binary)
        process.arguments = arguments
        process.environment = ["MIST_CONTROL": "1"]
        try process.run()
        return process
    }

    /// Reads `count` packets of `stream` in a separate process and returns the bytes it got.
    /// `before` runs once the reader waits for the stream (a pull that could end before a later
    /// reader arrived).
    static func readStream(_ stream: String, count: Int, into file: URL, before: () throws -> Void = {}) throws
        -> [UInt8]
    {
        let reader = try start("ShmPeer", ["read", stream, file.path, String(count)])
        try before()
        let deadline = Date().addingTimeInterval(30)
        while reader.isRunning && Date() < deadline { usleep(20_000) }
        if reader.isRunning { BoundedWait.stop(reader) }
        #expect(reader.terminationStatus == 0)
        return Array((try? Data(contentsOf: file)) ?? Data())
    }

    /// Waits until something accepts connections on `port` (a server that just started).
    static func waitForPort(_ port: Int) {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if (try? TCPTestClient(port: UInt16(port))) != nil { return }
            usleep(50_000)
        }
    }

    static func stop(_ process: Process) {
        BoundedWait.stop(process)
    }

    @Test func fileToServerToPullReproducesEveryPacket() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dtsc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = "swiftvod\(getpid())"
        let copy = "swiftcopy\(getpid())"
        defer {
            StreamCleanup.removePages(of: source)
            StreamCleanup.removePages(of: copy)
        }
        let file = folder.appendingPathComponent("test.dtsc")
        try Self.writeFile(to: file)
        let expected = Array(try TestStream.expectedFrames(TestStream.packets(seconds: Self.seconds)).joined())
        let packetCount = TestStream.packets(seconds: Self.seconds).count

        let input = try Self.start("MistInDTSC", ["-s", source, file.path])
        defer { Self.stop(input) }
        let fromFile = try Self.readStream(source, count: packetCount, into: folder.appendingPathComponent("a.dtsc"))
        #expect(fromFile.count == expected.count)
        #expect(fromFile.count != expected.count || fromFile == expected)

        // The header cache beside the file describes both tracks with their keys. (The input
        // writes it, atomically, after publishing the stream: a fast reader can be done first.)
        #expect(waitFor(seconds: 10) { FileManager.default.fileExists(atPath: file.path + ".dtsh") })
        let cache = try DTSHHeader(fileBytes: Array(Data(contentsOf: URL(fileURLWithPath: file.path + ".dtsh"))))
        #expect(cache.isVOD)
        #expect(cache.tracks.map(\.codec) == ["H264", "AAC"])
        #expect(cache.tracks.first?.keys.map(\.time) == [0, 2000, 4000])
        #expect(cache.tracks.first?.parts.count == 150)

        let port = TestPorts.free()
        let server = try Self.start("MistOutDTSC", ["-p", String(port), "-i", "127.0.0.1"])
        defer { Self.stop(server) }
        Self.waitForPort(port)
        // The server ends a file stream after its last packet, so the copy's reader waits first.
        var pulling: Process?
        let pulled = try Self.readStream(copy, count: packetCount, into: folder.appendingPathComponent("b.dtsc")) {
            pulling = try Self.start("MistInDTSC", ["-s", copy, "dtsc://127.0.0.1:\(port)/\(source)"])
        }
        let pull = try #require(pulling)
        defer { Self.stop(pull) }
        #expect(pulled.count == expected.count)
        #expect(pulled.count != expected.count || pulled == expected)

        Self.stop(pull)
        #expect(pull.terminationStatus == 0)
        Self.stop(input)
        #expect(input.terminationStatus == 0)
        #expect(StreamCleanup.pageNames(of: source).isEmpty)
        #expect(StreamCleanup.pageNames(of: copy).isEmpty)
    }

    /// A publisher pushes over DTSC, leaves, and comes back within the grace period: the buffer
    /// keeps the stream, the viewer that watched the first part keeps watching, and the second
    /// part continues the timeline.
    @Test func pushReachesTheBufferAndAReconnectKeepsTheViewer() throws {
        let stream = "swiftpush\(getpid())"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("push-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(at: folder)
            StreamCleanup.removePages(of: stream)
        }
        let port = TestPorts.free()
        let server = try Self.start("MistOutDTSC", ["-p", String(port), "-i", "127.0.0.1"])
        defer { Self.stop(server) }
        Self.waitForPort(port)

        let first = TestStream.packets(seconds: 3)
        func push(_ packets: [TestStream.Packet]) throws -> TCPTestClient {
            let publisher = try TCPTestClient(port: UInt16(port))
            #expect(try publisher.read(timeoutSeconds: 10).starts(with: Array("DTCM".utf8)))  // hi
            try publisher.write(DTSCFrameWriter.frame(.command, object: ["cmd": "push", "stream": .string(stream)]))
            #expect(String(decoding: try publisher.read(timeoutSeconds: 20), as: UTF8.self).contains("Pushing"))
            try publisher.write(Self.header().encode(includeTables: false) + Self.frames(packets))
            return publisher
        }
        let firstPublisher = try push(first)
        // The viewer joins while the first publisher is there and reads both parts.
        let shift = (first.map(\.time).max() ?? 0) + 1
        let second = first.map {
            TestStream.Packet(
                track: $0.track, time: $0.time + shift, offset: $0.offset, keyframe: $0.keyframe, payload: $0.payload)
        }
        let output = folder.appendingPathComponent("viewer.dtsc")
        let viewer = try Self.start("ShmPeer", ["read", stream, output.path, String(first.count + second.count)])
        let registered = Date().addingTimeInterval(20)
        while ((try? StreamUsers.open(stream: stream).sweep()) ?? 0) == 0 && Date() < registered { usleep(20_000) }
        firstPublisher.close()  // the publisher leaves ...
        usleep(500_000)
        // ... and comes back with its clock restarted at zero; the buffer shifts it.
        let secondPublisher = try push(first)
        let deadline = Date().addingTimeInterval(30)
        while viewer.isRunning && Date() < deadline { usleep(20_000) }
        Self.stop(viewer)
        #expect(viewer.terminationStatus == 0)
        let expected = Array(try TestStream.expectedFrames(first + second).joined())
        let got = Array((try? Data(contentsOf: output)) ?? Data())
        #expect(got.count == expected.count)
        #expect(got.count != expected.count || got == expected)

        // Source gone and no viewer left: the buffer closes the stream.
        secondPublisher.close()
        let gone = Date().addingTimeInterval(20)
        while !StreamCleanup.pageNames(of: stream).isEmpty && Date() < gone { usleep(50_000) }
        #expect(StreamCleanup.pageNames(of: stream).isEmpty)
    }

    @Test func garbagePeerGetsAnErrorAndTheServerSurvives() throws {
        let port = TestPorts.free()
        let server = try Self.start("MistOutDTSC", ["-p", String(port), "-i", "127.0.0.1"])
        defer { Self.stop(server) }
        Self.waitForPort(port)
        for garbage in [
            Array("GET / HTTP/1.1\r\n\r\n".utf8), Array("DTCM".utf8) + [0, 0, 0, 3, 0xE0, 0, 0],
            [UInt8](repeating: 0xFF, count: 64),
        ] {
            let socket = try TCPTestClient(port: UInt16(port))
            let hello = try socket.read(timeoutSeconds: 5)
            #expect(hello.starts(with: Array("DTCM".utf8)))
            try socket.write(garbage)
            let answer = try socket.read(timeoutSeconds: 5)
            #expect(String(decoding: answer, as: UTF8.self).contains("error"))
        }
        #expect(server.isRunning)
    }
}

/// A file input unloads once nobody watches for its inactivity timeout.
@Suite struct DTSCIdleTests {
    @Test func fileInputUnloadsWhenIdle() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("idle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stream = "swiftidle\(getpid())"
        defer { StreamCleanup.removePages(of: stream) }
        let file = folder.appendingPathComponent("idle.dtsc")
        try DTSCEndToEndTests.writeFile(to: file)
        let input = try DTSCEndToEndTests.start("MistInDTSC", ["-s", stream, "--inputtimeout", "1", file.path])
        let deadline = Date().addingTimeInterval(20)
        while input.isRunning && Date() < deadline { usleep(50_000) }
        #expect(!input.isRunning)
        DTSCEndToEndTests.stop(input)
        #expect(input.terminationStatus == 0)
        #expect(StreamCleanup.pageNames(of: stream).isEmpty)
    }
}
