import MistCore
import MistData
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The last log messages of the controller and its children, as the `log` API call returns them:
/// `[unixTime, kind, message, stream, pid, executable, sourceLine]`, oldest first.
public final class ControllerLog: Sendable {
    /// How many messages are kept, as MistServer keeps.
    public static let capacity = 100
    private let entries = Mutex<[JSONValue]>([])
    /// Messages recorded since start (Prometheus `mist_logs`).
    public var total: Int { counted.load(ordering: .relaxed) }
    private let counted = Atomic<Int>(0)
    /// Every new message as `["log", entry]`, for the `/ws` clients that asked for logs.
    public let feed = EventFeed()

    public init() {}

    /// Keeps `line`, dropping the oldest message beyond the capacity.
    public func record(_ line: MistLogLine, time: Int64 = Int64(Glibc.time(nil))) {
        let entry: JSONValue = [
            .int(time), .string(line.kind), .string(line.message), .string(line.stream), .int(Int64(line.pid)),
            .string(line.program), .string(line.location),
        ]
        counted.add(1, ordering: .relaxed)
        entries.withLock { entries in
            entries.append(entry)
            if entries.count > ControllerLog.capacity { entries.removeFirst(entries.count - ControllerLog.capacity) }
        }
        feed.publish(["log", entry])
    }

    /// The last FAIL or ERROR message process `pid` logged, if still kept.
    public func lastError(of pid: Int32) -> String? {
        entries.withLock { entries in
            entries.last { entry in
                entry[4].intValue == Int64(pid) && (entry[1].stringValue == "FAIL" || entry[1].stringValue == "ERROR")
            }?[2].stringValue
        }
    }

    /// The last `count` kept messages of process `pid`, oldest first (a push's log in
    /// `push_list` and PUSH_END).
    public func messages(of pid: Int32, last count: Int = 10) -> [JSONValue] {
        entries.withLock { entries in Array(entries.filter { $0[4].intValue == Int64(pid) }.suffix(count)) }
    }

    /// The kept messages as a JSON array.
    public var json: JSONValue { .array(entries.withLock { $0 }) }

    /// Forgets every kept message (the `clearstatlogs` call).
    public func clear() {
        entries.withLock { $0.removeAll() }
    }
}
