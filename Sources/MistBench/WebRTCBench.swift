import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// WebRTC, three ways. Glass to glass: frames that show the wall clock (`Peers/clock_pattern.py`,
/// 640x360 at 30 fps) encoded by ffmpeg and pushed over RTMP into a standalone MistOutRTMP, or
/// published over WHIP by aiortc (`Peers/whip_client.py`), played over WHEP from a standalone
/// MistOutWebRTC by aiortc (`Peers/whep_client.py --clock`), which reads the drawn time back from
/// each decoded frame: p50 and p99 after the first two seconds (the backlog from the keyframe
/// the viewer joins at). Then 200 WHEP viewers of one 720p30 2 Mbit/s push
/// (`WebRTCBenchViewers`): MistOutWebRTC's CPU per viewer-minute and memory per viewer.
/// `MIST_BENCH_WEBRTC=<rtmp port>,<WHEP URL>` measures a server already running instead
/// (MistServer, with a `bench` stream from push://), glass to glass over RTMP only.
enum WebRTCBench {
    static let seconds = 20
    static let viewerCount = ProcessInfo.processInfo.environment["MIST_BENCH_WEBRTC_VIEWERS"].flatMap { Int($0) } ?? 200
    static let sampleSeconds = 20.0

    static func run() throws {
        let peers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/BinaryTests/Peers")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"),
            FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/aiortc")
        else {
            say("WebRTC: skipped, ffmpeg or python3-aiortc is not installed")
            return
        }
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let external = ProcessInfo.processInfo.environment["MIST_BENCH_WEBRTC"]?.split(separator: ",")
        var servers: [Process] = []
        defer { for server in servers where server.isRunning { server.terminate() } }
        let rtmpPort = external.flatMap { Int($0[0]) } ?? 23000 + Int(getpid() % 1000)
        let webRTCPort = rtmpPort + 1
        let whep =
            external.flatMap { $0.count > 1 ? String($0[1]) : nil } ?? "http://127.0.0.1:\(webRTCPort)/whep/bench"
        if external == nil {
            for (name, port) in [("MistOutRTMP", rtmpPort), ("MistOutWebRTC", webRTCPort)] {
                let server = Process()
                server.executableURL = directory.appendingPathComponent(name)
                server.arguments = ["-p", String(port), "-i", "127.0.0.1", "-g", "2"]
                try server.run()
                servers.append(server)
            }
            usleep(500_000)
        }
        if external == nil && ProcessInfo.processInfo.environment["MIST_BENCH_WEBRTC_ONLY_FANOUT"] != nil {
            return try fanOut(rtmpPort: rtmpPort, webRTCPort: webRTCPort, server: servers[1].processIdentifier)
        }
        // The clock pattern piped into ffmpeg, as one shell pipeline.
        let push = Process()
        push.executableURL = URL(fileURLWithPath: "/bin/sh")
        push.arguments = [
            "-c",
            "/usr/bin/python3 '\(peers.path)/clock_pattern.py' 30 120 | /usr/bin/ffmpeg -hide_banner -nostdin "
                + "-loglevel error -f rawvideo -pix_fmt yuv420p -s 640x360 -r 30 -i - -c:v libx264 -preset ultrafast "
                + "-tune zerolatency -g 60 -f flv rtmp://127.0.0.1:\(rtmpPort)/live/bench",
        ]
        try push.run()
        defer {
            kill(-push.processIdentifier, SIGTERM)
            push.terminate()
            _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/pkill"), arguments: ["-f", "clock_pattern.py 30 120"])
        }
        usleep(4_000_000)
        say(
            "\nWebRTC glass to glass, aiortc reading the clock drawn into 640x360 30 fps frames, \(seconds) s "
                + "(\(external == nil ? "ours" : "external server"), release build)")
        report("RTMP push (x264 zerolatency) to WHEP", try watch(peers: peers, url: whep, arguments: ["--no-audio"]))
        guard external == nil else { return }
        let publisher = Process()
        publisher.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        publisher.arguments = [
            peers.path + "/whip_client.py", "http://127.0.0.1:\(webRTCPort)/whip/whip", String(seconds + 15),
        ]
        publisher.standardOutput = FileHandle.nullDevice
        publisher.standardError = FileHandle.nullDevice
        try publisher.run()
        defer { if publisher.isRunning { publisher.terminate() } }
        usleep(4_000_000)
        report(
            "WHIP (aiortc, H.264) to WHEP",
            try watch(peers: peers, url: "http://127.0.0.1:\(webRTCPort)/whep/whip", arguments: []))
        publisher.terminate()
        try fanOut(rtmpPort: rtmpPort, webRTCPort: webRTCPort, server: servers[1].processIdentifier)
    }

    /// aiortc watching `url` with `--clock` for `seconds`; what it printed.
    static func watch(peers: URL, url: String, arguments: [String]) throws -> Data {
        let viewer = Process()
        viewer.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        viewer.arguments = [peers.path + "/whep_client.py", url, String(seconds), "--clock"] + arguments
        let output = Pipe()
        viewer.standardOutput = output
        viewer.standardError = FileHandle.nullDevice
        try viewer.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        viewer.waitUntilExit()
        return printed
    }

    /// A line out at once (a long run, or one cut short, shows what it measured so far).
    static func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    static func report(_ label: String, _ printed: Data) {
        guard let result = try? JSONSerialization.jsonObject(with: printed) as? [String: Any],
            let latency = result["latency"] as? [String: Any]
        else {
            say("  no result: \(String(decoding: printed, as: UTF8.self).prefix(400))")
            return
        }
        let video = result["video"] as? [String: Any] ?? [:]
        let frames = video["frames"] as? Int ?? 0
        let span = video["span"] as? Double ?? 0
        func ms(_ key: String) -> String { (latency[key] as? Double).map { String(format: "%.0f ms", $0) } ?? "-" }
        say(
            "  \(label): p50 \(ms("p50")), p99 \(ms("p99")), max \(ms("max")) over \(latency["count"] ?? 0) frames; "
                + "first frame \(ms("first")) old; \(String(format: "%.1f", span > 0 ? Double(frames) / span : 0)) fps")
    }

    /// 200 light WHEP viewers of one 720p30 2 Mbit/s push.
    static func fanOut(rtmpPort: Int, webRTCPort: Int, server: Int32) throws {
        let push = try BenchPush.start(port: rtmpPort, stream: "load", rate: 30, kilobits: 2000, seconds: 150)
        defer { push.terminate() }
        usleep(4_000_000)
        let idleRSS = RTMPFanOutBench.residentKiB(server)
        let viewers = try WebRTCBenchViewers()
        let opening = Date()
        viewers.open(count: viewerCount, port: webRTCPort, path: "/whep/load")
        let openSeconds = Date().timeIntervalSince(opening)
        let received = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let done = Atomic<Bool>(false)
        Thread.detachNewThread {
            viewers.run(received: received, until: stop)
            done.store(true, ordering: .relaxed)
        }
        usleep(5_000_000)
        let cpuBefore = RTMPFanOutBench.cpuSeconds(server)
        let bytesBefore = received.load(ordering: .relaxed)
        let started = Date()
        usleep(UInt32(sampleSeconds * 1_000_000))
        let elapsed = Date().timeIntervalSince(started)
        let cpu = (RTMPFanOutBench.cpuSeconds(server) - cpuBefore) / elapsed
        let bytes = Double(received.load(ordering: .relaxed) - bytesBefore) / elapsed
        let rss = RTMPFanOutBench.residentKiB(server)
        stop.store(true, ordering: .relaxed)
        while !done.load(ordering: .relaxed) { usleep(10_000) }
        let opened = viewers.viewers.count
        let secured = viewers.viewers.filter(\.secured).count
        let decrypted = viewers.viewers.filter { $0.decrypted > 0 }.count
        viewers.close()
        let watching = max(1, secured)
        say(
            "\nWebRTC fan-out: one 720p30 2 Mbit/s push, \(opened) WHEP viewers opened in "
                + "\(format(openSeconds, digits: 1)) s (MistOutWebRTC, release build)")
        say("viewers  cpu% of one core  cpu s per viewer-min  RSS MiB  RSS KiB per viewer  Mbit/s per viewer")
        say(
            "\(String(secured).leftPadding(to: 7))  \(format(cpu * 100, digits: 1).leftPadding(to: 16))  "
                + "\(format(cpu * 60 / Double(watching), digits: 4).leftPadding(to: 20))  "
                + "\(format(Double(rss) / 1024, digits: 1).leftPadding(to: 7))  "
                + "\(format(Double(rss - idleRSS) / Double(watching), digits: 0).leftPadding(to: 18))  "
                + "\(format(bytes * 8 / Double(watching) / 1e6, digits: 2).leftPadding(to: 17))")
        say("  \(decrypted) of \(secured) viewers decrypted their packets")
    }
}
