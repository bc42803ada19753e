/// A stream's status byte in its state page (MistServer's STRMSTAT values).
public enum StreamStatus: UInt8, Sendable {
    case off = 0
    case initializing = 1
    case booting = 2
    case waiting = 3
    case ready = 4
    case shuttingDown = 5
    case invalid = 255
}

extension StreamStatus {
    /// The status the stream's input publishes; `.off` when no input runs for it.
    public static func current(of stream: String) -> StreamStatus {
        guard !StreamCleanup.inputIsGone(stream),
            let page = try? SharedMemoryPage(opening: StreamPageNames.state(stream), writable: false), page.size >= 1
        else { return .off }
        defer { page.close() }
        return StreamStatus(rawValue: page.base.load(as: UInt8.self)) ?? .invalid
    }
}
