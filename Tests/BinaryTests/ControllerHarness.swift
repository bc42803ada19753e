import Foundation
import MistData
import MistNet
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A MistController started for real in a folder of its own, with its API on a free loopback
/// port and its log in a file.
final class ControllerHarness {
    let folder: URL
    let configFile: URL
    let logFile: URL
    let apiPort: Int
    /// Shared memory of this controller and its children: a folder of its own, so controllers of
    /// tests running side by side do not see each other's streams.
    let shmFolder: URL
    /// The folder whose MistController is started, and whose binaries it finds beside it.
    let binaries: URL
    private(set) var process: Process

    /// Writes `config` (unless nil) and starts the controller.
    init(
        config: String?, arguments: [String] = [], environment: [String: String] = [:],
        binaries: URL = BinaryTests.directory
    ) throws {
        self.binaries = binaries
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mistswift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        configFile = folder.appendingPathComponent("config.json")
        logFile = folder.appendingPathComponent("controller.log")
        apiPort = ControllerHarness.freePort()
        shmFolder = folder.appendingPathComponent("shm")
        if let config { try Data(config.utf8).write(to: configFile) }
        process = Process()
        try start(arguments: arguments, environment: environment)
    }

    /// Starts (again) with the same folder and port.
    func start(arguments: [String] = [], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = binaries.appendingPathComponent("MistController")
        process.arguments = ["-c", configFile.path, "-p", String(apiPort), "-i", "127.0.0.1"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["MIST_SHM_FOLDER": shmFolder.path].merging(environment) { $1 }
        ) { $1 }
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
        guard waitFor({ self.log.contains("Controller started") }) else {
            throw ControllerHarnessError.notStarted(self.log)
        }
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    func client() throws -> HTTPTestClient { try HTTPTestClient(port: apiPort) }

    /// The account `call` logs in with when the API asks for a login (a controller started with
    /// `MIST_API_LOCAL=none`).
    var credentials: (user: String, password: String)?

    /// One call on a new connection (two when it must log in first).
    func call(_ command: String, path: String = "/api") throws -> JSONValue {
        let reply = try client().call(command, path: path).json()
        guard let credentials, reply["authorize"]["status"] == "CHALL" else { return reply }
        var request = try JSONParser.parse(command)
        let proof = md5Hex(md5Hex(credentials.password) + reply["authorize"]["challenge"].asString)
        request["authorize"] = ["username": .string(credentials.user), "password": .string(proof)]
        return try client().call(JSONWriter.compact(request), path: path).json()
    }

    /// Stops the controller with SIGTERM and waits for it.
    func stop() {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("MistController (pid \(process.processIdentifier)) did not stop within 15 s of SIGTERM")
            BoundedWait.stop(process)
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The pids of the controller's children running `binary`.
    func children(named binary: String) -> [pid_t] {
        let parent = process.processIdentifier
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            let name = stat[stat.index(after: stat.firstIndex(of: "(") ?? stat.startIndex)..<close]
            guard fields.count > 1, pid_t(fields[1]) == parent, binary.hasPrefix(name) else { return nil }
            return pid
        }
    }

    /// Starts `binary` beside the controller, sharing its shared memory.
    func startPeer(_ binary: String, _ arguments: [String]) throws -> Process {
        let peer = Process()
        peer.executableURL = BinaryTests.directory.appendingPathComponent(binary)
        peer.arguments = arguments
        peer.environment = ["MIST_CONTROL": "1", "MIST_SHM_FOLDER": shmFolder.path]
        try peer.run()
        return peer
    }

    /// Pids of every process whose command line contains all of `words`.
    static func processes(containing words: [String]) -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return words.allSatisfy({ word in arguments.contains { $0.contains(word) } }) ? pid : nil
        }
    }

    /// A loopback port nothing listens on (see `TestPorts`).
    static func freePort() -> Int { TestPorts.free() }

    static func portAccepts(_ port: Int) -> Bool { (try? TCPTestClient(port: UInt16(port))) != nil }
}

enum ControllerHarnessError: Error {
    case notStarted(String)
}

/// Polls `condition` until it holds or `seconds` pass.
func waitFor(seconds: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
