import Foundation
import MistData
import Testing

/// Runs the built binaries as a user would.
@Suite struct BinaryTests {
    /// The binaries sit beside the test bundle in the build folder.
    static let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()

    static func run(_ binary: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let process = Process()
        process.executableURL =
            binary.hasPrefix("/") ? URL(fileURLWithPath: binary) : directory.appendingPathComponent(binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let output = try BoundedWait.run(process, seconds: 120, "\(binary) \(arguments.joined(separator: " "))")
        let (stdout, stderr) = (output[0], output[1])
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }

    @Test(arguments: ["MistController", "MistInBuffer", "MistOutRTMP", "MistInDTSC", "MistOutDTSC", "MistOutHTTP"])
    func printsValidCapabilities(binary: String) throws {
        let result = try Self.run(binary, ["-j"])
        #expect(result.status == 0)
        let capabilities = try JSONParser.parse(result.stdout)
        #expect(capabilities["name"].stringValue?.isEmpty == false)
        #expect(capabilities["version"].stringValue == "3.10")
        #expect(capabilities["desc"].stringValue?.isEmpty == false)
        #expect(capabilities["optional"]["debug"]["option"] == "--debug")
        // Every option that has a command line form names it MistServer's way.
        for (_, option) in capabilities["optional"].objectValue ?? [:] where option.hasMember("option") {
            #expect(option["option"].asString.hasPrefix("--"))
            #expect(option["short"].isNull || option["short"].asString.count == 1)
        }
    }

    @Test func outputAndInputDeclareWhatTheControllerNeeds() throws {
        let rtmp = try JSONParser.parse(Self.run("MistOutRTMP", ["-j"]).stdout)
        #expect(rtmp["name"] == "RTMP")
        #expect(rtmp["optional"]["port"]["default"] == 1935)
        #expect(rtmp["optional"]["port"]["short"] == "p")
        #expect(rtmp["methods"][0]["type"] == "flash/10")
        let buffer = try JSONParser.parse(Self.run("MistInBuffer", ["-j"]).stdout)
        #expect(buffer["name"] == "Buffer")
        #expect(buffer["source_match"] == ["push://*", "buffer:*"])
        #expect(buffer["priority"] == 9)
    }

    @Test func badFlagIsRefusedWithUsage() throws {
        let result = try Self.run("MistOutRTMP", ["--no-such-flag"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("unknown option '--no-such-flag'"))
        #expect(result.stderr.contains("Usage: MistOutRTMP"))
    }

    @Test func childLogLinesUseMachineFormatUnderAController() throws {
        let stream = "swiftlog\(getpid())"
        let result = try Self.run(
            "MistInBuffer", ["-s", stream, "--inputtimeout", "0"], environment: ["MIST_CONTROL": "1"])
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            #expect(fields.count == 6)
            #expect(fields.count == 6 && fields[1] == "MistInBuffer" && fields[4] == stream[...])
        }
    }

    @Test func controllerRefusesInvalidConfigurationWithPosition() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mistswift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("config.json")
        try Data(#"{"streams": {"a": }}"#.utf8).write(to: config)
        let result = try Self.run("MistController", ["-c", config.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("at byte 18"))
        // The bad file is left as it was.
        #expect(try String(contentsOf: config, encoding: .utf8) == #"{"streams": {"a": }}"#)
    }

    @Test func controllerCreatesAnAccountFromTheCommandLine() throws {
        let controller = try ControllerHarness(
            config: #"{"config": {"protocols": []}}"#, arguments: ["-a", "admin:secret"])
        controller.stop()
        #expect(controller.log.contains("Created account admin"))
        let saved = try JSONParser.parse(Array(Data(contentsOf: controller.configFile)))
        #expect(saved["account"]["admin"]["password"] == "5ebe2294ecd0e0f08eab7690d2a6ee69")
    }

    @Test func controllerDiscoversBinariesAndStopsOnSIGTERM() throws {
        let controller = try ControllerHarness(config: #"{"config": {"protocols": []}}"#)
        #expect(
            controller.log.contains(
                "Found 14 protocol(s) (CMAF, DTSC, EBML, FLV, HLS, HTTP, HTTPS, HTTPTS, MP4, RTMP, RTSP, TS, TSSRT, WebRTC), "
                    + "11 input(s) "
                    + "(Buffer, DTSC, EBML, FLV, Folder, HLS, MP4, Playlist, RTSP, TS, TSSRT)"
            ))
        controller.stop()
        #expect(controller.process.terminationStatus == 0)
        #expect(controller.log.contains("Controller stopped"))
    }
}

/// The committed man pages are what MistManPage makes of each binary's current `-j` output
/// (regenerate them with `make man`).
@Suite struct ManPageTests {
    @Test(arguments: ["MistController", "MistInBuffer", "MistOutRTMP", "MistInDTSC", "MistOutDTSC", "MistOutHTTP"])
    func manPageMatchesCapabilities(binary: String) throws {
        let json = try BinaryTests.run(binary, ["-j"]).stdout
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(binary)-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let generated = try BinaryTests.run("MistManPage", [binary, file.path])
        #expect(generated.status == 0)
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../man/\(binary).1").standardized
        #expect(generated.stdout == (try String(contentsOf: committed, encoding: .utf8)))
    }
}
