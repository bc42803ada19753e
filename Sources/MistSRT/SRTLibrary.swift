import CSRT
import Synchronization

/// libsrt's process-wide start: done once, before the first socket, and never undone (its
/// threads live as long as the process).
enum SRTLibrary {
    private static let started = Mutex(false)

    static func start() {
        started.withLock { started in
            guard !started else { return }
            srt_startup()
            // libsrt writes its own log lines to stderr; only its critical ones belong in ours.
            srt_setloglevel(2)
            started = true
        }
    }

    /// libsrt's message for the last failure on this thread.
    static var lastError: String { String(cString: srt_getlasterror_str()) }
}
