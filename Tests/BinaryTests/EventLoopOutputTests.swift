import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The outputs on event loops, seen from outside: many viewers cost no threads, and what an
/// output spawns gets none of its sockets.
@Suite(.serialized) struct EventLoopOutputTests {
    /// The inode of the socket listening on loopback `port` (from /proc/net/tcp).
    static func listeningInode(port: Int) -> String? {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return nil }
        let local = String(format: "0100007F:%04X", port)
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            if fields.count > 9, fields[1] == local, fields[3] == "0A" { return String(fields[9]) }
        }
        return nil
    }

    /// What a process's descriptors point to.
    static func descriptors(_ pid: pid_t) -> [String] {
        let folder = "/proc/\(pid)/fd"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\($0)")
        }
    }

    @Test(.enabled(if: MediaTools.available)) func threeHundredLiveViewersTakeAFewThreads() throws {
        let (controller, rtmpPort, httpPort) = try HTTPEndToEndTests.liveServer()
        let push = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(rtmpPort)/live/live", seconds: 20,
            log: controller.folder.appendingPathComponent("push.log"))
        defer { if push.isRunning { push.terminate() } }
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))

        let viewers = try (0..<300).map { _ in try TCPTestClient(port: UInt16(httpPort)) }
        defer { viewers.forEach { $0.close() } }
        for viewer in viewers { try viewer.write(Array("GET /live.ts HTTP/1.0\r\nHost: x\r\n\r\n".utf8)) }
        // Every viewer gets its response and media (100 KB is more than a second of it).
        var received = [Int](repeating: 0, count: viewers.count)
        var entries = viewers.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(20)
        while received.contains(where: { $0 < 100_000 }) && Date() < deadline {
            guard poll(&entries, nfds_t(entries.count), 200) > 0 else { continue }
            for index in entries.indices where entries[index].revents != 0 {
                let count = recv(entries[index].fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if count > 0 { received[index] += count } else if count == 0 { entries[index].fd = -1 }
            }
        }
        #expect(received.allSatisfy { $0 >= 100_000 }, "\(received.filter { $0 < 100_000 }.count) viewers starved")
        let output = try #require(controller.children(named: "MistOutHTTP").first)
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(output)/task").count) ?? 0
        // Event loops (one per core), the blocking pool, the statistics thread and main.
        #expect(threads > 0 && threads <= 24, "MistOutHTTP runs \(threads) threads for 300 viewers")
        #expect(controller.log.contains("(300 watching)"))
    }

    @Test(.enabled(if: MediaTools.available)) func anInputStartedByAnOutputHoldsNoneOfItsSockets() throws {
        let (controller, httpPort, folder) = try HTTPServingTests.fileServer("descriptors")
        defer { try? FileManager.default.removeItem(at: folder) }
        let listening = try #require(Self.listeningInode(port: httpPort))
        // A viewer keeps the input running while its descriptors are looked at.
        let viewer = try TCPTestClient(port: UInt16(httpPort))
        defer { viewer.close() }
        try viewer.write(Array("GET /movie.ts HTTP/1.0\r\nHost: x\r\n\r\n".utf8))
        #expect(try !viewer.read(timeoutSeconds: 10).isEmpty)
        let input = try #require(ControllerHarness.processes(containing: ["MistInDTSC", "movie"]).first)
        let held = Self.descriptors(input)
        #expect(!held.contains("socket:[\(listening)]"), "the input holds MistOutHTTP's listening socket: \(held)")
        #expect(held.filter { $0.hasPrefix("socket:") }.isEmpty, "the input holds sockets: \(held)")
        _ = controller
    }
}
