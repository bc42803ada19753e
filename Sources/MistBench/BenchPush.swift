import Foundation

/// ffmpeg pushing a 720p test pattern with a tone over RTMP into `stream` of a local server, at
/// the pace it would be captured: the live source every benchmark fans out.
enum BenchPush {
    static func start(port: Int, stream: String = "bench", rate: Int, kilobits: Int, seconds: Int) throws -> Process {
        let push = Process()
        push.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        push.arguments = [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
            "testsrc2=size=1280x720:rate=\(rate)", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-t",
            String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-b:v",
            "\(kilobits)k", "-maxrate", "\(kilobits)k", "-bufsize", "\(kilobits)k", "-g", String(2 * rate),
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "flv",
            "rtmp://127.0.0.1:\(port)/live/\(stream)",
        ]
        try push.run()
        return push
    }
}
