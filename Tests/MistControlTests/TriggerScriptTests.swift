import Foundation
import Logging
import Synchronization
import Testing

@testable import MistStream

#if canImport(Glibc)
    import Glibc
#endif

/// Trigger scripts get only their own stdin, stdout and stderr: not this process's other
/// descriptors, and not each other's pipes, so each blocking script's answer is read when that
/// script ends, not when the slowest script started at the same time does.
@Suite(.serialized) struct TriggerScriptTests {
    static func script(_ folder: URL, _ name: String, _ body: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try "#!/bin/sh\ncat > /dev/null\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "triggers-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func aScriptInheritsNoOtherDescriptor() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A pipe and a listening socket of this process, opened the plain way (inheritable).
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer {
            close(ends[0])
            close(ends[1])
            close(listener)
        }
        func inode(_ descriptor: Int32) -> String {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")) ?? "?"
        }
        let mine = [inode(ends[0]), inode(ends[1]), inode(listener)]
        #expect(mine.allSatisfy { $0.contains("[") })
        let handler = TriggerHandler(
            handler: try Self.script(folder, "fds", "for f in /proc/$$/fd/*; do readlink $f; done"), sync: true)
        let answer = TriggerRunner.run(
            handler, trigger: "USER_NEW", payload: "x", instance: "", logger: Logger(label: "t"))
        let seen = answer.split(separator: "\n").map(String.init)
        #expect(seen.contains { $0.hasPrefix("pipe:[") }, "\(seen)")  // its own stdin and stdout
        #expect(!seen.contains { mine.contains($0) }, "inherited: \(seen) of \(mine)")
    }

    @Test func concurrentBlockingScriptsEachFinishInTheirOwnTime() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let quick = TriggerHandler(handler: try Self.script(folder, "quick", "echo quick"), sync: true)
        let slow = TriggerHandler(handler: try Self.script(folder, "slow", "sleep 4\necho slow"), sync: true)
        let logger = Logger(label: "test")
        // Many at once, as CONN_OPEN fires for a crowd: slow scripts spawned while quick ones'
        // pipes are still open in this process must not hold those pipes.
        let results = Mutex<[(name: String, answer: String, seconds: Double)]>([])
        let group = DispatchGroup()
        let gate = Atomic<Bool>(false)
        let started = Date()
        for index in 0..<24 {
            let (name, handler) = index % 4 == 0 ? ("slow", slow) : ("quick", quick)
            group.enter()
            Thread.detachNewThread {
                while !gate.load(ordering: .acquiring) { sched_yield() }
                for _ in 0..<(name == "quick" ? 5 : 1) {
                    let begun = Date()
                    let answer = TriggerRunner.run(
                        handler, trigger: "CONN_OPEN", payload: "x", instance: "", logger: logger)
                    results.withLock { $0.append((name, answer, Date().timeIntervalSince(begun))) }
                }
                group.leave()
            }
        }
        gate.store(true, ordering: .releasing)
        #expect(group.wait(timeout: .now() + 30) == .success)
        let done = results.withLock { $0 }
        let quickOnes = done.filter { $0.name == "quick" }
        #expect(quickOnes.count == 90 && quickOnes.allSatisfy { $0.answer == "quick\n" })
        // Each quick script took well under the slow ones' four seconds.
        let slowest = quickOnes.map(\.seconds).max() ?? 99
        #expect(slowest < 2.5, "the slowest quick script took \(slowest) s")
        #expect(done.filter { $0.name == "slow" }.allSatisfy { $0.answer == "slow\n" && $0.seconds >= 3.9 })
        #expect(Date().timeIntervalSince(started) < 20)
    }
}
