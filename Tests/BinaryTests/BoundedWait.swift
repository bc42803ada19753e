import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every wait of the test harness has a deadline, and when it runs out the test says what it
/// waited for and stops it: a stuck child (or a grandchild holding a pipe open) fails its test
/// instead of leaving the whole run idle.
enum BoundedWait {
    /// Waits up to `seconds` for `process` to end. When it does not: an issue naming `what`,
    /// then SIGTERM, SIGKILL after 5 s, and a last bounded wait. True when it ended in time.
    @discardableResult
    static func exit(_ process: Process, seconds: Double, _ what: @autoclosure () -> String) -> Bool {
        if waitFor(seconds: seconds, { !process.isRunning }) { return true }
        Issue.record("Timed out after \(seconds) s waiting for \(what()) (pid \(process.processIdentifier)) to end")
        stop(process)
        return false
    }

    /// SIGTERM, then SIGKILL after 5 s, each waited for with a deadline.
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        if waitFor(seconds: 5, { !process.isRunning }) { return }
        kill(process.processIdentifier, SIGKILL)
        if !waitFor(seconds: 5, { !process.isRunning }) {
            Issue.record("pid \(process.processIdentifier) did not end even after SIGKILL")
        }
    }

    /// The bytes of a pipe, read on a thread of their own until its end, so a wait for them can
    /// have a deadline (a grandchild that inherited the pipe may keep it open forever).
    final class PipeReader: @unchecked Sendable {
        private let bytes = Mutex<(data: Data, ended: Bool)>((Data(), false))

        init(_ pipe: Pipe) {
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    self.bytes.withLock { $0.data.append(chunk) }
                }
                self.bytes.withLock { $0.ended = true }
            }
        }

        /// What arrived, once the pipe ended or `seconds` passed (then with an issue naming `what`).
        func result(seconds: Double = 10, _ what: @autoclosure () -> String) -> Data {
            if !waitFor(seconds: seconds, { bytes.withLock { $0.ended } }) {
                Issue.record("The output of \(what()) was still open after \(seconds) s (a child holds it?)")
            }
            return bytes.withLock { $0.data }
        }
    }

    /// Runs `process` to its end within `seconds`; what its stdout and stderr pipes carried (one
    /// entry per distinct pipe, stdout first).
    static func run(_ process: Process, seconds: Double, _ what: String) throws -> [Data] {
        var pipes: [Pipe] = []
        for case let pipe as Pipe in [process.standardOutput, process.standardError]
        where !pipes.contains(where: { $0 === pipe }) {
            pipes.append(pipe)
        }
        let readers = pipes.map(PipeReader.init)
        try process.run()
        exit(process, seconds: seconds, what)
        return readers.map { $0.result(what) }
    }
}
