import Foundation
import MistShm
import MistTLS
import NIOCore
import NIOPosix
import Synchronization

/// `MistBench live`: one ffmpeg push (720p30, 2 Mbit/s) into a standalone MistOutRTMP, played
/// from MistOutHTTP and MistOutRTMP by viewers on an in-process SwiftNIO client (one event loop
/// holds thousands of connections cheaply). Measures, for the output processes:
/// - latency: when each video frame appeared in the stream's pages (a reader in this process
///   polls them every 0.2 ms) to when its FLV tag arrived at a viewer; and the gaps between a
///   viewer's reads, for HTTP-TS, HTTP-FLV, fMP4 and RTMP, with 1 and with 1,000 viewers;
/// - fan-out cost: CPU seconds per viewer-minute, memory per viewer and threads, for 200 and
///   2,000 HTTP-TS viewers and 500 RTMP players;
/// - HLS: 1,000 players polling the live playlists each second and fetching each new segment,
///   of TS segments and then of CMAF (fMP4) segments, for the cost of each per viewer.
enum LiveEdgeBench {
    static let sampleSeconds = 15.0

    static func run(only: String?) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg") else {
            print("Live edge: skipped, ffmpeg is not installed")
            return
        }
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        // `MIST_BENCH_SERVER=<rtmp port>,<http port>[,<https port>]` measures a server already running (MistServer
        // for a side-by-side run, with a `bench` stream whose source is push://); its processes
        // are found by name.
        let external = ProcessInfo.processInfo.environment["MIST_BENCH_SERVER"]?.split(separator: ",").compactMap {
            Int($0)
        }
        // A third port is the external server's HTTPS connector, for the HTTPS fan-out run, a
        // fourth its TSSRT (UDP) port, for the SRT one, a fifth its RTSP port.
        let ours = (external?.count ?? 0) < 2
        let rtmpPort = ours ? 21000 + Int(getpid() % 1000) : external![0]
        let httpPort = ours ? rtmpPort + 1000 : external![1]
        let rtmp = Process()
        rtmp.executableURL = directory.appendingPathComponent("MistOutRTMP")
        rtmp.arguments = ["-p", String(rtmpPort), "-i", "127.0.0.1", "-g", "2"]
        let http = Process()
        http.executableURL = directory.appendingPathComponent("MistOutHTTP")
        http.arguments = ["-p", String(httpPort), "-i", "127.0.0.1", "-g", "2"]
        // HTTPS beside HTTP, with a certificate made for the run, so both are measured alike.
        let httpsPort = ours ? rtmpPort + 2000 : external?.count == 3 ? external![2] : 0
        let https = Process()
        https.executableURL = directory.appendingPathComponent("MistOutHTTPS")
        let srtPort = ours ? rtmpPort + 3000 : external?.count == 4 ? external![3] : 0
        let srt = Process()
        srt.executableURL = directory.appendingPathComponent("MistOutTSSRT")
        srt.arguments = ["-p", String(srtPort), "-i", "127.0.0.1", "-g", "2"]
        let rtspPort = ours ? rtmpPort + 4000 : external?.count == 5 ? external![4] : 0
        let rtsp = Process()
        rtsp.executableURL = directory.appendingPathComponent("MistOutRTSP")
        rtsp.arguments = ["-p", String(rtspPort), "-i", "127.0.0.1", "-g", "2"]
        let certificates = FileManager.default.temporaryDirectory.appendingPathComponent("mist-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: certificates) }
        if ours {
            try rtmp.run()
            try http.run()
            try srt.run()
            try rtsp.run()
            if let pair = try? LiveEdgeBench.selfSignedCertificate(in: certificates) {
                https.arguments = [
                    "-p", String(httpsPort), "-i", "127.0.0.1", "-g", "2", "--cert", pair.certificate, "--key",
                    pair.key,
                ]
                try https.run()
            }
        }
        defer {
            if ours {
                if https.isRunning { https.terminate() }
                srt.terminate()
                rtsp.terminate()
                http.terminate()
                rtmp.terminate()
            }
        }
        print(ours ? "\nMistSwift" : "\nThe server on ports \(rtmpPort) and \(httpPort)")
        usleep(300_000)
        let push = try BenchPush.start(port: rtmpPort, rate: 30, kilobits: 2000, seconds: 900)
        defer { push.terminate() }
        usleep(3_000_000)
        let published = PublishTimes(stream: "bench")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let client = BenchClient(group: group, published: published)

        if only == nil || only == "latency" {
            print("\nLive edge: one 720p30 2 Mbit/s RTMP push, viewers on loopback (release build)")
            print("format    viewers  frame latency p50/p99 ms  read gap p50/p99 ms  Mbit/s per viewer")
            for (kind, count) in [("flv", 1), ("ts", 1), ("mp4", 1), ("rtmp", 1), ("flv", 1000), ("ts", 1000)] {
                let port = kind == "rtmp" ? rtmpPort : httpPort
                let result = try client.watch(format: kind, count: count, port: port, seconds: sampleSeconds)
                let latency =
                    result.latency.map { "\(format($0.p50, digits: 1)) / \(format($0.p99, digits: 1))" } ?? "-"
                let gaps = "\(format(result.gaps.p50, digits: 1)) / \(format(result.gaps.p99, digits: 1))"
                let rate = format(result.megabits / Double(max(1, count)), digits: 2)
                var line = kind.padding(to: 8) + "  " + String(count).leftPadding(to: 7)
                line += "  " + latency.leftPadding(to: 24) + "  " + gaps.leftPadding(to: 19)
                line += "  " + rate.leftPadding(to: 17)
                print(line)
                usleep(2_000_000)
            }
        }
        if only == nil || only == "latency" {
            // LL-HLS: a player following the CMAF parts as they complete.
            let follower = try LowLatencyFollower.follow(port: httpPort, published: published, seconds: sampleSeconds)
            print(
                "LL-HLS parts (CMAF): \(follower.parts) parts; frame latency to its part's arrival p50/p99 "
                    + "\(format(follower.frames.p50, digits: 1)) / \(format(follower.frames.p99, digits: 1)) ms; "
                    + "a player at PART-HOLD-BACK (\(format(follower.holdBack, digits: 0)) ms) sits about "
                    + "\(format(follower.holdBack + follower.frames.p50, digits: 0)) ms behind the push")
        }
        if only == nil || only == "fanout" {
            print("\nFan-out cost: one 720p30 2 Mbit/s push (release build, 2 cores)")
            print(
                "format  viewers  cpu% of one core  cpu s per viewer-min  PSS KiB per viewer  threads  Mbit/s per viewer"
            )
            // `MIST_BENCH_FANOUT=ts:200,rtmp:100` picks other runs (a process-per-viewer server is slow at 2,000).
            let runs =
                ProcessInfo.processInfo.environment["MIST_BENCH_FANOUT"]?.split(separator: ",").compactMap {
                    run -> (String, Int)? in
                    let parts = run.split(separator: ":")
                    guard parts.count == 2, let count = Int(parts[1]) else { return nil }
                    return (String(parts[0]), count)
                } ?? [("ts", 200), ("https", 200), ("ts", 2000), ("rtmp", 500)]
            // `https`: HTTP-TS over TLS from MistOutHTTPS (ours only).
            let trusting = try TLSContext.client(verify: false)
            for (kind, count) in runs
            where (kind != "https" || httpsPort != 0) && (kind != "srt" || srtPort != 0)
                && (kind != "rtsp" || rtspPort != 0)
            {
                let port =
                    kind == "rtmp"
                    ? rtmpPort
                    : kind == "https" ? httpsPort : kind == "srt" ? srtPort : kind == "rtsp" ? rtspPort : httpPort
                // Ours serves every viewer of a protocol in one process; MistServer one per viewer.
                let name =
                    kind == "rtmp"
                    ? "MistOutRTMP"
                    : kind == "https"
                        ? "MistOutHTTPS"
                        : kind == "srt"
                            ? "MistOutTSSRT" : kind == "rtsp" ? "MistOutRTSP" : ours ? "MistOutHTTP" : "MistOutHTTPTS"
                let idle = LiveEdgeBench.memoryKiB(named: name)
                var cpu = 0.0
                var rss = 0
                var threads = 0
                let measure: (BenchClient.Phase) -> Void = { phase in
                    switch phase {
                    case .started: cpu = LiveEdgeBench.cpuSeconds(named: name)
                    case .ended(let seconds):
                        cpu = (LiveEdgeBench.cpuSeconds(named: name) - cpu) / seconds
                        rss = LiveEdgeBench.memoryKiB(named: name)
                        threads = LiveEdgeBench.processes(named: name).map(LiveEdgeBench.threads).reduce(0, +)
                    }
                }
                let result =
                    kind == "rtsp"
                    ? try RTSPBenchViewers.watch(count: count, port: port, seconds: sampleSeconds, phase: measure)
                    : kind == "srt"
                        ? try SRTBenchViewers.watch(
                            count: count, port: port, seconds: sampleSeconds,
                            streamID: ours ? "#!::r=bench,m=request" : "bench", phase: measure)
                        : try client.watch(
                            format: kind == "https" ? "ts" : kind, count: count, port: port, seconds: sampleSeconds,
                            tls: kind == "https" ? trusting : nil, phase: measure)
                let viewers = Double(max(1, result.connected))
                var line = kind.padding(to: 6) + "  " + String(result.connected).leftPadding(to: 7)
                line += "  " + format(cpu * 100, digits: 1).leftPadding(to: 16)
                line += "  " + format(cpu * 60 / viewers, digits: 4).leftPadding(to: 20)
                line += "  " + format(Double(rss - idle) / viewers, digits: 1).leftPadding(to: 18)
                line += "  " + String(threads).leftPadding(to: 7)
                line += "  " + format(result.megabits / viewers, digits: 2).leftPadding(to: 17)
                print(line)
                usleep(3_000_000)
            }
        }
        if only == nil || only == "hls" {
            // `MIST_BENCH_HLS_PLAYERS=200` for a server that runs a process per request.
            let players = Int(ProcessInfo.processInfo.environment["MIST_BENCH_HLS_PLAYERS"] ?? "") ?? 1000
            print("\nHLS: \(players) players polling the live playlists each second and fetching each new segment")
            print(
                "kind          requests  failed  request p50/p99 ms  cpu% of one core  cpu s per viewer-min  Mbit/s per viewer"
            )
            // TS segments (MistOutHLS's, muxed A/V) beside CMAF's fMP4 (MistOutCMAF's, a playlist and
            // segments per track), the same players and push.
            for (kind, prefix, theirs) in [
                ("HLS (TS)", "/hls/bench/", "MistOutHLS"), ("HLS (CMAF)", "/cmaf/bench/", "MistOutCMAF"),
            ] {
                let name = ours ? "MistOutHTTP" : theirs
                var cpu = 0.0
                var elapsed = 1.0
                let result = try client.hls(count: players, port: httpPort, prefix: prefix, seconds: sampleSeconds * 2)
                {
                    phase in
                    switch phase {
                    case .started: cpu = LiveEdgeBench.cpuSeconds(named: name)
                    case .ended(let seconds):
                        elapsed = seconds
                        cpu = (LiveEdgeBench.cpuSeconds(named: name) - cpu) / seconds
                    }
                }
                var line = kind.padding(to: 12) + "  " + String(result.requests).leftPadding(to: 8)
                line += "  " + String(result.failed).leftPadding(to: 6)
                line +=
                    "  "
                    + "\(format(result.times.p50, digits: 1)) / \(format(result.times.p99, digits: 1))".leftPadding(
                        to: 18)
                line += "  " + format(cpu * 100, digits: 1).leftPadding(to: 16)
                line += "  " + format(cpu * 60 / Double(players), digits: 4).leftPadding(to: 20)
                line +=
                    "  "
                    + format(Double(result.bytes) * 8 / 1_000_000 / elapsed / Double(players), digits: 2).leftPadding(
                        to: 17)
                print(line)
                usleep(3_000_000)
            }
        }
    }

    /// A self-signed certificate for 127.0.0.1 made with the `openssl` command.
    static func selfSignedCertificate(in folder: URL) throws -> (certificate: String, key: String) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let certificate = folder.appendingPathComponent("bench.pem").path
        let key = folder.appendingPathComponent("bench.key").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
            "-out", certificate, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        return (certificate, key)
    }

    /// The processes whose name (the kernel's, 15 characters) is `name`.
    static func processes(named name: String) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry),
                let comm = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8),
                comm.trimmingCharacters(in: .whitespacesAndNewlines) == name
            else { return nil }
            return pid
        }
    }

    static func cpuSeconds(named name: String) -> Double {
        processes(named: name).map(RTMPFanOutBench.cpuSeconds).reduce(0, +)
    }

    /// Proportional set size summed over the processes (shared pages counted once in all).
    static func memoryKiB(named name: String) -> Int {
        processes(named: name).map { pid in
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return 0 }
            for line in text.split(separator: "\n") where line.hasPrefix("Pss:") {
                return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            }
            return 0
        }.reduce(0, +)
    }

    static func threads(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? 0
    }
}

/// When each video frame of a stream appeared in its pages, by its time.
final class PublishTimes: @unchecked Sendable {
    private let times = Mutex<[UInt32: Double]>([:])

    init(stream: String) {
        Thread.detachNewThread { [self] in
            guard let reader = try? StreamReader(stream: stream, waitMilliseconds: 5000) else { return }
            guard let video = reader.tracks().first(where: { $0.info.type == "video" }) else { return }
            try? reader.select([video.index])
            try? reader.seekToLiveEdge()
            while true {
                switch try? reader.next(timeoutMilliseconds: 0) {
                case .packet(let packet):
                    let now = benchNow()
                    times.withLock { $0[UInt32(truncatingIfNeeded: packet.time)] = now }
                case .end, .none: return
                default: usleep(200)
                }
            }
        }
    }

    /// The moment the frame of `time` (FLV's 32 bits of it) appeared.
    func time(ofFLV timestamp: UInt32) -> Double? {
        times.withLock { $0[timestamp] }
    }
}

func benchNow() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Percentiles of a sample, in milliseconds.
struct Percentiles {
    var p50 = 0.0
    var p99 = 0.0

    init(_ values: [Double]) {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return }
        p50 = sorted[sorted.count / 2] * 1000
        p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)] * 1000
    }
}
