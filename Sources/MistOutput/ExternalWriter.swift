import Logging
import MistCore
import MistData
import MistShm
import MistStream

#if canImport(Glibc)
    import Glibc
#endif

/// Writing a target URL through a configured external writer: its command line (split on
/// spaces, no shell) with the URL as the last argument, the bytes on its stdin.
enum ExternalWriter {
    /// The descriptor to write `url`'s bytes to, and the writer's pid.
    static func open(_ url: String) throws -> (descriptor: Int32, pid: pid_t) {
        let scheme = String(url.prefix { $0 != ":" })
        let writers = ConfigPage.read(StreamPageNames.externalWriters)?.arrayValue ?? []
        guard let writer = writers.first(where: { ($0[2].arrayValue ?? []).contains(.string(scheme)) }) else {
            throw PushOutput.Ending(
                code: "WRITE_FAILURE", text: "no configured external writer to handle '\(scheme)' protocols")
        }
        let words = writer[1].asString.split(separator: " ").map(String.init)
        guard let command = words.first else {
            throw PushOutput.Ending(code: "EXEC_FAILURE", text: "empty command line")
        }
        do {
            let child = try ChildProcess.spawnPiped(
                command, arguments: Array(words.dropFirst()) + [url], captureOutput: false)
            return (child.input, child.pid)
        } catch {
            throw PushOutput.Ending(code: "EXEC_FAILURE", text: "cannot start \(command): \(error)")
        }
    }

    /// Waits (at most 5 s) for a writer whose input was closed, then stops it.
    static func finish(_ pid: pid_t, logger: Logger) {
        let deadline = monotonicSeconds() + 5
        while monotonicSeconds() < deadline {
            if let status = ChildProcess.reap(pid) {
                if status != 0 { logger.mist(.warn, "External writer (pid \(pid)) exited with status \(status)") }
                return
            }
            usleepMilliseconds(20)
        }
        kill(pid, SIGKILL)
        _ = ChildProcess.reap(pid)
    }
}
