import Foundation
import MistData
import Testing

/// A test peer of `Peers/` (aiortc or Selenium, on Debian's python3) run as a process, what it
/// prints and logs kept in files of the test's folder; it ends by printing one JSON object.
struct PythonPeer {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers")

    let process: Process
    let output: URL
    let log: URL

    /// Starts `script` with `arguments`; its output goes to `folder/<name>.json`, its log to
    /// `folder/<name>.log`.
    init(_ script: String, _ arguments: [String], folder: URL, name: String) throws {
        output = folder.appendingPathComponent("\(name).json")
        log = folder.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.scripts.appendingPathComponent(script).path] + arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Waits at most `seconds` for the peer to end, then reads what it printed; when that is no
    /// JSON, the log is recorded as an issue and the result is null.
    func result(seconds: Double, _ what: String) -> JSONValue {
        BoundedWait.exit(process, seconds: seconds, what)
        guard let result = try? JSONParser.parse(Array((try? Data(contentsOf: output)) ?? Data())) else {
            Issue.record("\(what) printed no result: \(logText)")
            return .null
        }
        return result
    }

    /// Ends the peer if it still runs.
    func stop() { BoundedWait.stop(process) }
}
