import MistData
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the stream processes (`MistProc*`) report with `proc_status_update` on the UDP API, for
/// `proc_list`, as MistServer's controller keeps it: each process's latest status members merged,
/// its source, sink and kind, and the log lines it wrote. A process that is gone is listed once
/// more with `terminated: true`, then forgotten.
final class ProcessStatusBook: Sendable {
    private struct Entry {
        var status: JSONValue = .emptyObject
        var source = ""
        var sink = ""
        var process = ""
    }

    private let entries = Mutex<[Int64: Entry]>([:])

    /// Takes one `proc_status_update` (ignored unless it has MistServer's five members).
    func update(_ value: JSONValue) {
        guard let id = value["id"].intValue, value["status"].isObject, let source = value["source"].stringValue,
            let sink = value["sink"].stringValue, let process = value["proc"].stringValue
        else { return }
        entries.withLock { entries in
            var entry = entries[id] ?? Entry()
            for (name, member) in value["status"].objectValue ?? JSONObject() { entry.status[name] = member }
            if entry.process.isEmpty && !source.isEmpty && !sink.isEmpty && !process.isEmpty {
                (entry.source, entry.sink, entry.process) = (source, sink, process)
            }
            entries[id] = entry
        }
    }

    /// `proc_list`: the processes of `stream` (as source or sink; every one for ""), keyed by
    /// pid, with their last `logs`.
    func list(stream: String, logs: (Int32) -> [JSONValue]) -> JSONValue {
        var reply = JSONValue.emptyObject
        entries.withLock { entries in
            for (id, entry) in entries.sorted(by: { $0.key < $1.key })
            where stream.isEmpty || stream == entry.source || stream == entry.sink {
                var row = entry.status
                row["source"] = .string(entry.source)
                row["sink"] = .string(entry.sink)
                row["process"] = .string(entry.process)
                let pid = Int32(truncatingIfNeeded: id)
                row["logs"] = .array(logs(pid))
                if kill(pid, 0) != 0 && errno == ESRCH {
                    row["terminated"] = true
                    entries[id] = nil
                }
                reply[String(id)] = row
            }
        }
        return reply
    }
}
