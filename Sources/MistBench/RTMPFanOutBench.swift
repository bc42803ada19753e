import Foundation
import MistMedia
import MistNet
import MistRTMP
import Synchronization

/// One ffmpeg push into a standalone MistOutRTMP, fanned out to 100 and then 500 RTMP players on
/// loopback: MistOutRTMP's CPU time and resident memory per player, and what each player got.
enum RTMPFanOutBench {
    static let playerCounts = [100, 500]
    static let sampleSeconds = 10.0

    static func run() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg") else {
            print("RTMP fan-out: skipped, ffmpeg is not installed")
            return
        }
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let port = 19000 + Int(getpid() % 1000)
        let server = Process()
        server.executableURL = directory.appendingPathComponent("MistOutRTMP")
        server.arguments = ["-p", String(port), "-i", "127.0.0.1", "-g", "2"]
        try server.run()
        defer { server.terminate() }
        usleep(300_000)
        let push = try BenchPush.start(port: port, rate: 25, kilobits: 2500, seconds: 120)
        defer { push.terminate() }
        usleep(3_000_000)

        print("\nRTMP fan-out: one 720p25 2.5 Mbit/s push, players on loopback (MistOutRTMP, release build)")
        print("players  cpu% of one core  cpu ms/s per player  RSS MiB  RSS KiB per player  Mbit/s per player")
        let idleRSS = residentKiB(server.processIdentifier)
        for count in playerCounts {
            let received = Atomic<Int>(0)
            let stop = Atomic<Bool>(false)
            let connected = Atomic<Int>(0)
            for _ in 0..<count {
                Thread.detachNewThread {
                    guard let player = try? BenchPlayer(port: UInt16(port), stream: "bench") else { return }
                    connected.add(1, ordering: .relaxed)
                    while !stop.load(ordering: .relaxed) {
                        guard let bytes = try? player.read() else { break }
                        received.add(bytes, ordering: .relaxed)
                    }
                    player.close()
                }
            }
            usleep(3_000_000)
            let cpuBefore = cpuSeconds(server.processIdentifier)
            let bytesBefore = received.load(ordering: .relaxed)
            let started = Date()
            usleep(UInt32(sampleSeconds * 1_000_000))
            let elapsed = Date().timeIntervalSince(started)
            let cpu = (cpuSeconds(server.processIdentifier) - cpuBefore) / elapsed
            let bytes = Double(received.load(ordering: .relaxed) - bytesBefore) / elapsed
            let rss = residentKiB(server.processIdentifier)
            let players = max(1, connected.load(ordering: .relaxed))
            print(
                "\(String(players).leftPadding(to: 7))  \(format(cpu * 100, digits: 1).leftPadding(to: 16))  "
                    + "\(format(cpu * 1000 / Double(players), digits: 2).leftPadding(to: 19))  "
                    + "\(format(Double(rss) / 1024, digits: 1).leftPadding(to: 7))  "
                    + "\(format(Double(rss - idleRSS) / Double(players), digits: 0).leftPadding(to: 18))  "
                    + "\(format(bytes * 8 / Double(players) / 1e6, digits: 2).leftPadding(to: 17))")
            stop.store(true, ordering: .relaxed)
            usleep(2_000_000)
        }
    }

    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func residentKiB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}

/// A minimal RTMP player: plain handshake, connect, createStream, play; then reads and discards.
final class BenchPlayer {
    let connection: TCPConnection
    private var scratch: [UInt8] = []

    init(port: UInt16, stream: String) throws {
        connection = try TCPConnection.connect(host: "127.0.0.1", port: port)
        try connection.send([3] + [UInt8](repeating: 0, count: 1536))
        var handshake: [UInt8] = []
        while handshake.count < 1 + 2 * 1536 {
            _ = try connection.receive(into: &handshake, limit: 8192, timeoutMilliseconds: 5000)
        }
        try connection.send(Array(handshake[1..<1537]))
        var out: [UInt8] = []
        let encoder = RTMPChunkEncoder()
        let commands: [(UInt32, [AMFValue])] = [
            (0, [.string("connect"), .number(1), .object([("app", .string("live"))])]),
            (0, [.string("createStream"), .number(2), .null]),
            (1, [.string("play"), .number(3), .null, .string(stream)]),
        ]
        for (streamID, values) in commands {
            encoder.encode(
                RTMPMessage(
                    type: RTMPMessage.Kind.commandAMF0, streamID: streamID, timestamp: 0, payload: AMF0.encode(values)),
                chunkStream: 3, into: &out)
        }
        try connection.send(out)
    }

    func read() throws -> Int {
        scratch.removeAll(keepingCapacity: true)
        return try connection.receive(into: &scratch, limit: 65536, timeoutMilliseconds: 1000)
    }

    func close() { connection.close() }
}
