import Foundation
import MistNet
import Synchronization

/// One ffmpeg push (720p25, 2 Mbit/s) into a standalone MistOutRTMP, watched as HTTP-TS from a
/// standalone MistOutHTTP by 200 and then 1,000 viewers on loopback: MistOutHTTP's CPU time per
/// viewer-minute and resident memory per viewer, and what each viewer got.
enum HTTPFanOutBench {
    static let viewerCounts = [200, 1000]
    static let sampleSeconds = 20.0

    static func run() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg") else {
            print("HTTP-TS fan-out: skipped, ffmpeg is not installed")
            return
        }
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let rtmpPort = 19000 + Int(getpid() % 1000)
        let httpPort = rtmpPort + 1000
        let ingest = Process()
        ingest.executableURL = directory.appendingPathComponent("MistOutRTMP")
        ingest.arguments = ["-p", String(rtmpPort), "-i", "127.0.0.1", "-g", "2"]
        let server = Process()
        server.executableURL = directory.appendingPathComponent("MistOutHTTP")
        server.arguments = ["-p", String(httpPort), "-i", "127.0.0.1", "-g", "2"]
        try ingest.run()
        try server.run()
        defer {
            server.terminate()
            ingest.terminate()
        }
        usleep(300_000)
        let push = try BenchPush.start(port: rtmpPort, rate: 25, kilobits: 2000, seconds: 180)
        defer { push.terminate() }
        usleep(3_000_000)

        print("\nHTTP-TS fan-out: one 720p25 2 Mbit/s push, viewers on loopback (MistOutHTTP, release build)")
        print("viewers  cpu% of one core  cpu s per viewer-min  RSS MiB  RSS KiB per viewer  Mbit/s per viewer")
        let idleRSS = RTMPFanOutBench.residentKiB(server.processIdentifier)
        for count in viewerCounts {
            let viewers = (0..<count).compactMap { _ in
                try? TCPConnection.connect(host: "127.0.0.1", port: UInt16(httpPort))
            }
            let request = Array("GET /bench.ts HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
            for viewer in viewers { try? viewer.send(request) }
            let received = Atomic<Int>(0)
            let stop = Atomic<Bool>(false)
            let done = Atomic<Int>(0)
            // Two reader threads, each polling half of the sockets.
            let halves = [Array(viewers.prefix(viewers.count / 2)), Array(viewers.dropFirst(viewers.count / 2))]
            for half in halves {
                let box = ViewerBox(half)
                Thread.detachNewThread {
                    box.read(counting: received, until: stop)
                    done.add(1, ordering: .relaxed)
                }
            }
            usleep(5_000_000)
            let cpuBefore = RTMPFanOutBench.cpuSeconds(server.processIdentifier)
            let bytesBefore = received.load(ordering: .relaxed)
            let started = Date()
            usleep(UInt32(sampleSeconds * 1_000_000))
            let elapsed = Date().timeIntervalSince(started)
            let cpu = (RTMPFanOutBench.cpuSeconds(server.processIdentifier) - cpuBefore) / elapsed
            let bytes = Double(received.load(ordering: .relaxed) - bytesBefore) / elapsed
            let rss = RTMPFanOutBench.residentKiB(server.processIdentifier)
            let watching = max(1, viewers.count)
            print(
                "\(String(watching).leftPadding(to: 7))  \(format(cpu * 100, digits: 1).leftPadding(to: 16))  "
                    + "\(format(cpu * 60 / Double(watching), digits: 4).leftPadding(to: 20))  "
                    + "\(format(Double(rss) / 1024, digits: 1).leftPadding(to: 7))  "
                    + "\(format(Double(rss - idleRSS) / Double(watching), digits: 0).leftPadding(to: 18))  "
                    + "\(format(bytes * 8 / Double(watching) / 1e6, digits: 2).leftPadding(to: 17))")
            stop.store(true, ordering: .relaxed)
            while done.load(ordering: .relaxed) < halves.count { usleep(10_000) }
            for viewer in viewers { viewer.close() }
            usleep(2_000_000)
        }
    }
}
