import Foundation
import MistData

/// ffmpeg and ffprobe, run as real peers of the servers under test.
enum MediaTools {
    /// Whether the tests that need ffmpeg run. With `MIST_REQUIRE_MEDIA_TOOLS` set (CI sets it)
    /// they always run, so a missing ffmpeg fails them instead of skipping them unnoticed.
    static var available: Bool {
        ProcessInfo.processInfo.environment["MIST_REQUIRE_MEDIA_TOOLS"] != nil
            || FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg")
    }

    /// Starts ffmpeg with `arguments` (quiet), its output in `log`.
    static func ffmpeg(_ arguments: [String], log: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-hide_banner", "-nostdin", "-loglevel", "warning", "-y"] + arguments
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try? handle.close()
        return process
    }

    /// A live test pattern pushed in real time: H.264 640x360 at 25 fps, GOP 50, AAC 48 kHz.
    static func pushTestPattern(to url: String, seconds: Int, log: URL, rate: Int = 25) throws -> Process {
        try ffmpeg(
            [
                "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=\(rate)", "-f", "lavfi", "-i",
                "sine=frequency=1000:sample_rate=48000", "-t", String(seconds), "-c:v", "libx264", "-preset",
                "ultrafast", "-tune", "zerolatency", "-g", String(rate * 2), "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-b:a", "96k",
                "-f", "flv", url,
            ], log: log)
    }

    /// A folder of its own under the temporary folder (the caller removes it).
    static func temporaryFolder(_ prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// An FLV file of the test pattern (H.264 640x360 25 fps with GOP 50, AAC 48 kHz mono),
    /// made as fast as ffmpeg can.
    static func makeTestFile(_ url: URL, seconds: Int, bFrames: Bool = false) throws {
        let process = try ffmpeg(
            [
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                "-t", String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-bf", bFrames ? "2" : "0", "-g",
                "50", "-pix_fmt", "yuv420p", "-c:a", "aac", url.path,
            ], log: url.deletingPathExtension().appendingPathExtension("log"))
        guard BoundedWait.exit(process, seconds: 120, "ffmpeg making \(url.lastPathComponent)"),
            process.terminationStatus == 0
        else { throw POSIXError(.EIO) }
    }

    /// Runs ffmpeg to the end with `arguments` (a file made at test time); throws when it fails.
    static func make(_ arguments: [String], log: URL) throws {
        let process = try ffmpeg(arguments, log: log)
        guard BoundedWait.exit(process, seconds: 120, "ffmpeg \(arguments.joined(separator: " "))"),
            process.terminationStatus == 0
        else {
            throw FFmpegFailure(arguments: arguments, log: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        }
    }

    struct FFmpegFailure: Error, CustomStringConvertible {
        var arguments: [String]
        var log: String
        var description: String { "ffmpeg \(arguments.joined(separator: " ")) failed: \(log.suffix(600))" }
    }

    /// What ffmpeg reports at level error while decoding all of `url`: empty when it decodes cleanly.
    static func decodeErrors(_ url: String, log: URL) throws -> String {
        let process = try ffmpeg(["-loglevel", "error", "-i", url, "-f", "null", "-"], log: log)
        BoundedWait.exit(process, seconds: 120, "ffmpeg decoding \(url)")
        return (try? String(contentsOf: log, encoding: .utf8)) ?? "no log"
    }

    /// ffprobe's JSON answer for `file`.
    static func probe(_ file: String, arguments: [String]) throws -> JSONValue {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
        process.arguments = ["-hide_banner", "-loglevel", "error", "-of", "json"] + arguments + [file]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let data = try BoundedWait.run(process, seconds: 120, "ffprobe \(file)")[0]
        return try JSONParser.parse(Array(data))
    }

    /// Per stream of a recorded file: codec, size, and the packets' times in seconds (pts order
    /// as stored, and dts).
    struct StreamReport {
        var codec: String
        var width: Int64
        var height: Int64
        var pts: [Double]
        var dts: [Double]
    }

    static func report(_ file: String) throws -> [String: StreamReport] {
        let streams = try probe(file, arguments: ["-show_streams"])["streams"].arrayValue ?? []
        let packets = try probe(file, arguments: ["-show_packets"])["packets"].arrayValue ?? []
        var reports: [String: StreamReport] = [:]
        for stream in streams {
            let index = stream["index"].asInt
            let mine = packets.filter { $0["stream_index"].asInt == index }
            reports[stream["codec_type"].asString] = StreamReport(
                codec: stream["codec_name"].asString, width: stream["width"].asInt, height: stream["height"].asInt,
                pts: mine.map { Double($0["pts_time"].asString) ?? -1 },
                dts: mine.map { Double($0["dts_time"].asString) ?? -1 })
        }
        return reports
    }
}
