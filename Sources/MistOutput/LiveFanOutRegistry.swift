import Logging
import MistCore
import MistNet
import MistShm
import Synchronization

/// The fan-out groups of this process, one per live stream, format and track choice: a viewer
/// joins the group already serving what it asked for, or starts one.
enum LiveFanOutRegistry {
    private static let groups = Mutex<[String: LiveFanOut]>([:])
    /// Bytes each group keeps for viewers that fall behind.
    static let ringBytes = 16 * 1024 * 1024

    /// Hands `connection` to the group for `format` of `stream` with `tracks`: the group sends
    /// `responseHead` and its header, then the stream. `reader` (positioned at the live edge)
    /// becomes the group's when it starts one, else it is closed.
    static func join(
        stream: String, format: String, reader: StreamReader, tracks: [StreamTrack], connection: TCPConnection,
        responseHead: [UInt8], chunked: Bool, logger: Logger, onClose: (@Sendable () -> Void)? = nil,
        muxer: () throws -> any LiveMuxer
    ) throws {
        let key = "\(stream)\u{0}\(format)\u{0}\(tracks.map { String($0.index) }.joined(separator: ","))"
        let newGroup: LiveFanOut? = try groups.withLock { table in
            if let group = table[key] {
                group.admit(viewer(group.header, connection, responseHead, chunked, onClose))
                return nil
            }
            let group = LiveFanOut(
                key: key, label: "\(format) of \(stream)", reader: reader, tracks: tracks, muxer: try muxer(),
                ringBytes: ringBytes, logger: logger)
            group.admit(viewer(group.header, connection, responseHead, chunked, onClose))
            table[key] = group
            return group
        }
        guard let newGroup else { return }
        startDetachedThread {
            newGroup.run { force in
                groups.withLock { table in
                    // Leave only when no viewer is waiting to be admitted; joins happen under this lock.
                    guard force || newGroup.isIdle else { return false }
                    if table[key] === newGroup { table[key] = nil }
                    return true
                }
            }
        }
    }

    private static func viewer(
        _ header: [UInt8], _ connection: TCPConnection, _ head: [UInt8], _ chunked: Bool,
        _ onClose: (@Sendable () -> Void)?
    ) -> FanOutViewer {
        let viewer = FanOutViewer(
            connection: connection, chunked: chunked,
            own: head + (header.isEmpty ? [] : chunked ? FanOutChunk.frame(header) : header))
        viewer.onClose = onClose
        return viewer
    }
}
