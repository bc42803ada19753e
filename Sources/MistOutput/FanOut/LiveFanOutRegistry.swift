import Logging
import MistCore
import MistShm
import NIOCore
import Synchronization

/// The fan-out groups of this process, one per live stream, format and track choice: a viewer
/// joins the group already serving what it asked for, or starts one.
enum LiveFanOutRegistry {
    private static let groups = Mutex<[String: LiveFanOut]>([:])
    /// Bytes each lane keeps for viewers that fall behind (references to shared chunks).
    static let ringBytes = 16 * 1024 * 1024

    /// The group for `format` of `stream` with `tracks`, counting one more viewer in it (so it
    /// stays until that viewer has joined a lane and left). `reader` (positioned at the live
    /// edge) becomes the group's when this starts one; a group starts on `home`.
    static func join(
        stream: String, format: String, reader: StreamReader, tracks: [StreamTrack], home: any EventLoop,
        logger: Logger, muxer: () throws -> any LiveMuxer
    ) throws -> LiveFanOut {
        let key = "\(stream)\u{0}\(format)\u{0}\(tracks.map { String($0.index) }.joined(separator: ","))"
        let (group, isNew) = try groups.withLock { table -> (LiveFanOut, Bool) in
            if let group = table[key] {
                group.viewerCount.add(1, ordering: .relaxed)
                return (group, false)
            }
            let group = LiveFanOut(
                key: key, label: "\(format) of \(stream)", home: home, reader: reader, tracks: tracks,
                muxer: try muxer(), ringBytes: ringBytes, logger: logger, leave: leave)
            group.viewerCount.add(1, ordering: .relaxed)
            table[key] = group
            return (group, true)
        }
        if isNew { group.startPumping() }
        return group
    }

    /// Takes `group` out of the registry: always when `force`, else only if no viewer is in it or
    /// on its way (joins count under this lock). Says whether it did.
    private static func leave(_ group: LiveFanOut, force: Bool) -> Bool {
        groups.withLock { table in
            guard force || group.viewerCount.load(ordering: .relaxed) == 0 else { return false }
            if table[group.key] === group { table[group.key] = nil }
            return true
        }
    }

    /// Groups now serving (for tests and diagnostics).
    static var count: Int { groups.withLock { $0.count } }
}
