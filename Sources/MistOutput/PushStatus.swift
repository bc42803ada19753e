import MistCore
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// What a push process tells `push_list` about itself, in MistServer's `push_status_update`
/// members: `mediatime` (the newest media time sent), `media_tx` (milliseconds of media sent),
/// `active_seconds`, `active_ms`, `current_target` (the file being written) and `bytes`. It is
/// published at most once a second in `/MstPush<pid>`, which the controller reads.
final class PushStatus {
    private let started = monotonicSeconds()
    private let page = StreamPageNames.pushStatus(getpid())
    private var lastPublished = 0.0
    private var first: UInt64?
    private var last: UInt64?
    private var bytes = 0
    private var target: String

    init(target: String) { self.target = target }

    /// Notes progress: bytes sent so far, the media time just sent, the current target.
    func report(bytes: Int, time: UInt64?, target: String? = nil) {
        self.bytes = bytes
        if let time {
            first = first ?? time
            last = time
        }
        if let target { self.target = target }
        let now = monotonicSeconds()
        guard now - lastPublished >= 1 else { return }
        lastPublished = now
        try? ConfigPage.write(json(now: now), to: page)
    }

    func json(now: Double = monotonicSeconds()) -> JSONValue {
        var status: JSONValue = [
            "active_seconds": .int(Int64(now - started)), "active_ms": .int(Int64((now - started) * 1000)),
            "bytes": .int(Int64(bytes)), "current_target": .string(target),
        ]
        if let first, let last {
            status["mediatime"] = .int(Int64(clamping: last))
            status["media_tx"] = .int(Int64(clamping: last &- first))
        }
        return status
    }

    /// Takes the page away (the push is over).
    func remove() { ConfigPage.remove(page) }
}
