import MistData
import MistShm

/// The stream rows of the `/ws` API: `[stream, status, viewers, inputs, outputs, tags]`, with
/// MistServer's status codes (0 off … 5 shutting down, 255 invalid) and the tags space-separated.
extension Controller {
    /// The current row of every stream whose input runs.
    func streamRows() -> [String: JSONValue] {
        var rows: [String: JSONValue] = [:]
        for name in StreamCleanup.activeStreams() {
            let summary = statistics.summary(of: name)
            rows[name] = [
                .string(name), .int(Int64(StreamStatus.current(of: name).rawValue)), .int(summary["viewers"] ?? 0),
                .int(summary["inputs"] ?? 0), .int(summary["outputs"] ?? 0),
                .string(streamTags.tags(of: name).sorted().joined(separator: " ")),
            ]
        }
        return rows
    }

    /// Publishes the rows whose status or counts changed since the last call (a stream that
    /// stopped gets one last row with status 0); does nothing while no `/ws` client listens.
    func publishStreamChanges() {
        guard !streamFeed.isEmpty else {
            streamRowsSent.withLock { $0.removeAll() }
            return
        }
        let rows = streamRows()
        let changed: [JSONValue] = streamRowsSent.withLock { sent in
            var changed: [JSONValue] = []
            for (name, row) in rows.sorted(by: { $0.key < $1.key }) {
                let before = sent[name]
                if before == nil || (1...4).contains(where: { before?[$0] != row[$0] }) { changed.append(row) }
                sent[name] = row
            }
            for name in sent.keys.sorted() where rows[name] == nil {
                sent[name] = nil
                changed.append([.string(name), 0, 0, 0, 0, ""])
            }
            return changed
        }
        for row in changed { streamFeed.publish(["stream", row]) }
    }
}
