import MistCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the pipe every child writes its stderr to: parses each machine-format line, keeps it in
/// the controller's log and prints it in the human format; other text is printed as it is.
public enum ChildLogReader {
    /// Creates the pipe and starts the reading thread; returns the descriptor children get as
    /// stderr.
    public static func start(log: ControllerLog) -> Int32? {
        // Neither end leaks into children; spawning dup2s the write end onto their stderr.
        guard let ends = ChildProcess.closeOnExecPipe() else { return nil }
        startDetachedThread { run(ends.read, log: log) }
        return ends.write
    }

    private static func run(_ descriptor: Int32, log: ControllerLog) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending.append(contentsOf: chunk[0..<count])
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                handle(pending[start..<newline], log: log)
                start = newline + 1
            }
            pending.removeFirst(start)
            if pending.count > 65536 {  // a runaway line without a newline
                handle(pending[...], log: log)
                pending.removeAll()
            }
        }
    }

    private static func handle(_ bytes: ArraySlice<UInt8>, log: ControllerLog) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let line = MistLogLine(machineLine: text[...]) {
            log.record(line)
            writeAll(line.humanLine(timestamp: MistLog.timestamp()) + "\n", to: 2)
        } else if !text.isEmpty {
            writeAll(text + "\n", to: 2)
        }
    }
}
