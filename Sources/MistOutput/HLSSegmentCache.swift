import Synchronization

/// The TS of recently asked HLS segments, so the many viewers of a live stream fetching the same
/// segment get bytes muxed once. Keyed by stream, tracks and the segment's sequence, start and
/// length (a stream that restarts numbers its keys anew, so a stale entry is not found); the
/// oldest entries go beyond `capacity`.
final class HLSSegmentCache: Sendable {
    static let shared = HLSSegmentCache(capacity: 48)

    let capacity: Int
    private let entries = Mutex<(table: [String: [UInt8]], order: [String])>(([:], []))

    init(capacity: Int) { self.capacity = capacity }

    static func key(
        stream: String, tracks: [Int], sequence: UInt64, start: UInt64, duration: UInt64, format: String = "ts"
    ) -> String {
        "\(stream)|\(tracks.map(String.init).joined(separator: "_"))|\(sequence)|\(start)|\(duration)|\(format)"
    }

    /// The cached bytes for `key`, or those `make` produces (then kept).
    func bytes(_ key: String, make: () throws -> [UInt8]) rethrows -> [UInt8] {
        if let found = entries.withLock({ $0.table[key] }) { return found }
        let made = try make()
        guard !made.isEmpty else { return made }
        entries.withLock { entries in
            if entries.table[key] == nil { entries.order.append(key) }
            entries.table[key] = made
            while entries.order.count > capacity {
                entries.table[entries.order.removeFirst()] = nil
            }
        }
        return made
    }

    var count: Int { entries.withLock { $0.table.count } }
}
