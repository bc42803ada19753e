import MistCore

#if canImport(Glibc)
    import Glibc
#endif

/// A TS push into a command's standard input (`ts-exec:`), started without a shell.
final class CommandPushSink: TSPushSink {
    let pid: pid_t
    let input: Int32

    init(command: String, arguments: [String]) throws {
        let path = command.contains("/") ? command : ChildProcess.searchPath(command) ?? command
        let child = try ChildProcess.spawnPiped(path, arguments: arguments, captureOutput: false)
        pid = child.pid
        input = child.input
    }

    func send(_ bytes: [UInt8], time: UInt64) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                raw.baseAddress.map { write(input, $0 + offset, raw.count - offset) } ?? 0
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw PushOutput.Ending(code: "WRITE_FAILURE", text: "the command stopped reading")
            }
            offset += written
        }
    }

    func close() {
        Glibc.close(input)
        ChildProcess.reapWhenDone(pid)
    }
}
