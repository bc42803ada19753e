import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A stream process's overhead on top of the encoder it runs: one 720p30 2 Mbit/s push into a
/// standalone MistOutRTMP, then a MistProcFFMPEG and a MistProcMKVExec in turn making a 640x360
/// H.264 rendition of it with ffmpeg, and the CPU and memory of the process itself beside those
/// of its ffmpeg; then the same ffmpeg command alone on the same input (read over RTMP).
/// `MIST_BENCH_PROCESS=<rtmp port>` measures a server already running instead (MistServer, with a
/// `bench` stream whose source is push:// and whose processes hold such an entry): its
/// MistProcFFMPEG or MistProcMKVExec with an ffmpeg child is found by name.
enum ProcessBench {
    static let sampleSeconds = 20.0
    static let entries = [
        (
            "MistProcFFMPEG",
            #"{"process": "FFMPEG", "source": "bench", "x-LSP-kind": "video", "codec": "H264", "resolution": "640x360"}"#
        ),
        (
            "MistProcMKVExec",
            #"{"process": "MKVExec", "source": "bench", "track_select": "video=all&audio=none", "exec": "ffmpeg "#
                + #"-hide_banner -loglevel error -f matroska -i - -map 0:v:0 -copyts -c:v libx264 -preset medium "#
                + #"-tune zerolatency -force_key_frames source -fps_mode passthrough -enc_time_base -1 "#
                + #"-vf scale=640:360 -f matroska -"}"#
        ),
    ]

    static func run() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg") else {
            print("Stream processes: skipped, ffmpeg is not installed")
            return
        }
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let external = ProcessInfo.processInfo.environment["MIST_BENCH_PROCESS"].flatMap { Int($0) }
        let port = external ?? 22000 + Int(getpid() % 1000)
        let server = Process()
        if external == nil {
            server.executableURL = directory.appendingPathComponent("MistOutRTMP")
            server.arguments = ["-p", String(port), "-i", "127.0.0.1", "-g", "2"]
            try server.run()
            usleep(300_000)
        }
        defer { if server.isRunning { server.terminate() } }
        let push = try BenchPush.start(port: port, rate: 30, kilobits: 2000, seconds: 150)
        defer { push.terminate() }
        usleep(3_000_000)

        print(
            "\nStream processes: 720p30 2 Mbit/s push, a 640x360 H.264 rendition with ffmpeg "
                + "(\(external == nil ? "ours" : "external server"), release build)")
        print("process          process cpu%  its ffmpeg cpu%  ffmpeg alone cpu%  process RSS MiB")
        for (name, entry) in entries {
            try measure(name: name, entry: entry, directory: directory, port: port, external: external != nil)
        }
    }

    /// One process: started with `entry` (or found running, for another server), then sampled.
    static func measure(name: String, entry: String, directory: URL, port: Int, external: Bool) throws {
        let process = Process()
        if !external {
            process.executableURL = directory.appendingPathComponent(name)
            process.arguments = [entry]
            try process.run()
        }
        defer { if process.isRunning { process.terminate() } }
        usleep(external ? 0 : 6_000_000)
        let processPID =
            external
            ? pids(named: name).first { !children(of: $0).isEmpty } ?? 0 : process.processIdentifier
        guard processPID > 0, let encoder = children(of: processPID).first else {
            print("\(name.padding(to: 15))  not running with an ffmpeg child")
            return
        }
        let command = commandLine(encoder)
        let before = (RTMPFanOutBench.cpuSeconds(processPID), RTMPFanOutBench.cpuSeconds(encoder))
        let started = Date()
        usleep(UInt32(sampleSeconds * 1_000_000))
        let elapsed = Date().timeIntervalSince(started)
        let processCPU = (RTMPFanOutBench.cpuSeconds(processPID) - before.0) / elapsed
        let encoderCPU = (RTMPFanOutBench.cpuSeconds(encoder) - before.1) / elapsed
        let rss = RTMPFanOutBench.residentKiB(processPID)
        if !external { process.terminate() }
        usleep(1_000_000)

        // The same encoder alone: its arguments, reading the stream over RTMP and writing nowhere.
        let alone = Process()
        alone.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        alone.arguments = standalone(command, input: "rtmp://127.0.0.1:\(port)/live/bench")
        alone.standardOutput = FileHandle.nullDevice
        alone.standardError = FileHandle.nullDevice
        try alone.run()
        defer { if alone.isRunning { alone.terminate() } }
        usleep(4_000_000)
        let aloneBefore = RTMPFanOutBench.cpuSeconds(alone.processIdentifier)
        let aloneStarted = Date()
        usleep(UInt32(sampleSeconds * 1_000_000))
        let aloneCPU =
            (RTMPFanOutBench.cpuSeconds(alone.processIdentifier) - aloneBefore) / Date().timeIntervalSince(aloneStarted)
        print(
            "\(name.padding(to: 15))  \(format(processCPU * 100, digits: 1).leftPadding(to: 12))  "
                + "\(format(encoderCPU * 100, digits: 1).leftPadding(to: 15))  "
                + "\(format(aloneCPU * 100, digits: 1).leftPadding(to: 17))  "
                + "\(format(Double(rss) / 1024, digits: 1).leftPadding(to: 15))")
        print("  ffmpeg: \(command.joined(separator: " "))")
    }

    /// The encoder's arguments with its piped input replaced by `input` and its output discarded.
    static func standalone(_ command: [String], input: String) -> [String] {
        var arguments = Array(command.dropFirst())
        if let index = arguments.firstIndex(of: "-i"), index + 1 < arguments.count {
            arguments[index + 1] = input
            // A forced input format named the pipe's container, not RTMP's.
            if index >= 2 && arguments[index - 2] == "-f" { arguments.removeSubrange((index - 2)..<index) }
        }
        if let last = arguments.indices.last { arguments[last] = "/dev/null" }
        if !arguments.contains("-y") { arguments.insert("-y", at: 0) }
        return arguments
    }

    /// Processes whose name is `name`.
    static func pids(named name: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            return comm.trimmingCharacters(in: .whitespacesAndNewlines) == String(name.prefix(15))
        }
    }

    /// Children of `parent`.
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }
    }

    static func commandLine(_ pid: Int32) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}
