import Testing

@testable import MistCore

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ChildProcessTests {
    @Test func collectsOutputAndStatus() throws {
        let result = try ChildProcess.run("/bin/sh", arguments: ["-c", "printf 'a b'; exit 3"])
        #expect(result.output == Array("a b".utf8))
        #expect(result.status == 3)
    }

    @Test func reportsSignals() throws {
        let result = try ChildProcess.run("/bin/sh", arguments: ["-c", "kill -TERM $$"])
        #expect(result.status == 128 + 15)
    }

    @Test func childDoesNotInheritIgnoredSignals() throws {
        // A child must get default signal handling even where its parent ignores a signal.
        signal(SIGPIPE, SIG_IGN)
        let result = try ChildProcess.run("/bin/sh", arguments: ["-c", "grep SigIgn /proc/self/status"])
        let text = String(decoding: result.output, as: UTF8.self)
        let mask = text.split(separator: "\t").last.flatMap { UInt64($0.trimmingPrefix(" ").prefix(16), radix: 16) }
        // The standard signals (1-31) must all be at their defaults; glibc's own real-time ones may differ.
        #expect(mask.map { $0 & 0x7FFF_FFFF } == 0)
    }

    @Test func missingProgramThrows() {
        #expect(throws: ChildProcess.Failure.self) { try ChildProcess.run("/nonexistent/MistNothing", arguments: []) }
    }
}
