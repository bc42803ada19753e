import Logging
import MistCore
import MistData
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where ended viewer sessions are written, by the `accesslog` setting as MistServer reads it:
/// `LOG` (a line of kind ACCS in the server's log), nothing when empty, else a file the lines
/// are appended to (local time, comma separated).
public final class AccessLog: Sendable {
    /// One ended viewer session.
    public struct Entry: Sendable {
        public var session: String
        public var stream: String
        public var connectors: String
        public var host: String
        public var seconds: Int64
        public var up: Int64
        public var down: Int64
        public var tags: String

        /// The ACCS log line.
        var logLine: String {
            "Session <\(session)> \(stream) (\(connectors)) from \(host) ended after \(seconds)s, avg "
                + "\(up / max(1, seconds) / 1024)KB/s up \(down / max(1, seconds) / 1024)KB/s down."
                + (tags.isEmpty ? "" : " Tags: " + tags)
        }

        /// The file line, `local` the time it ended as `YYYY-MM-DD HH:MM:SS`.
        func fileLine(local: String) -> String {
            [
                local, session, stream, connectors, host, String(seconds), String(up / max(1, seconds) / 1024),
                String(down / max(1, seconds) / 1024), tags,
            ].joined(separator: ", ")
        }
    }

    private let target = Mutex("LOG")
    private let logger: Logger
    /// The last ended sessions as `/ws` sends them, oldest first.
    private let recent = Mutex<[JSONValue]>([])
    /// How many ended sessions `recent` keeps.
    static let capacity = 100
    /// Every ended session as `["access", entry]`, for the `/ws` clients that asked for it.
    let feed = EventFeed()

    init(logger: Logger) { self.logger = logger }

    /// The kept entries: `[unixTime, session, stream, connectors, host, seconds, up, down, tags]`.
    var entries: [JSONValue] { recent.withLock { $0 } }

    /// Follows the configuration's `accesslog`.
    func use(_ setting: String) { target.withLock { $0 = setting } }

    func record(_ entry: Entry) {
        let row: JSONValue = [
            .int(Int64(time(nil))), .string(entry.session), .string(entry.stream), .string(entry.connectors),
            .string(entry.host), .int(entry.seconds), .int(entry.up), .int(entry.down), .string(entry.tags),
        ]
        recent.withLock { recent in
            recent.append(row)
            if recent.count > AccessLog.capacity { recent.removeFirst(recent.count - AccessLog.capacity) }
        }
        feed.publish(["access", row])
        let destination = target.withLock { $0 }
        if destination.isEmpty { return }
        if destination == "LOG" {
            logger.mist(kind: "ACCS", "\(entry.logLine)")
            return
        }
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var text = [CChar](repeating: 0, count: 32)
        let length = strftime(&text, text.count, "%F %H:%M:%S", &parts)
        let local = String(decoding: text.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let line = Array((entry.fileLine(local: local) + "\n").utf8)
        // Opened for each line: session ends are rare, and a rotated file is picked up at once.
        let descriptor = open(destination, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            logger.mist(.fail, "Could not open access log file '\(destination)': \(String(cString: strerror(errno)))")
            return
        }
        defer { close(descriptor) }
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
