import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// WebRTC glass to glass: frames that show the wall clock (`Peers/clock_pattern.py`, 640x360 at
/// 30 fps) encoded by ffmpeg and pushed over RTMP into a standalone MistOutRTMP, played over WHEP
/// from a standalone MistOutWebRTC by aiortc (`Peers/whep_client.py --clock`), which reads the
/// drawn time back from each decoded frame: p50 and p99 after the first two seconds (the
/// backlog from the keyframe the viewer joins at). `MIST_BENCH_WEBRTC=<rtmp port>,<WHEP URL>`
/// measures a server already running instead (MistServer, with a `bench` stream from push://).
enum WebRTCBench {
    static let seconds = 20

    static func run() throws {
        let peers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/BinaryTests/Peers")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"),
            FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/aiortc")
        else {
            print("WebRTC: skipped, ffmpeg or python3-aiortc is not installed")
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
        let viewer = Process()
        viewer.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        viewer.arguments = [peers.path + "/whep_client.py", whep, String(seconds), "--no-audio", "--clock"]
        let output = Pipe()
        viewer.standardOutput = output
        viewer.standardError = FileHandle.nullDevice
        try viewer.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        viewer.waitUntilExit()
        print(
            "\nWebRTC: RTMP push (640x360 30 fps, x264 zerolatency) to WHEP in aiortc, glass to glass, "
                + "\(seconds) s (\(external == nil ? "ours" : "external server"), release build)")
        guard let result = try? JSONSerialization.jsonObject(with: printed) as? [String: Any],
            let latency = result["latency"] as? [String: Any]
        else {
            print("  no result: \(String(decoding: printed, as: UTF8.self).prefix(400))")
            return
        }
        let video = result["video"] as? [String: Any] ?? [:]
        let frames = video["frames"] as? Int ?? 0
        let span = video["span"] as? Double ?? 0
        func ms(_ key: String) -> String { (latency[key] as? Double).map { String(format: "%.0f ms", $0) } ?? "-" }
        print(
            "  p50 \(ms("p50")), p99 \(ms("p99")), max \(ms("max")) over \(latency["count"] ?? 0) frames; "
                + "first frame \(ms("first")) old; \(String(format: "%.1f", span > 0 ? Double(frames) / span : 0)) fps")
    }
}
