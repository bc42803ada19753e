import CSRT

/// libsrt's readiness wait over SRT sockets and, for a relay, system descriptors: one per
/// thread that serves many connections, so no connection needs a thread of its own.
public final class SRTPoller: @unchecked Sendable {
    private let id: Int32

    public init() throws(SRTError) {
        SRTLibrary.start()
        id = srt_epoll_create()
        guard id >= 0 else { throw .library("srt_epoll_create", SRTLibrary.lastError) }
        // An empty set waits out its timeout rather than failing at once.
        srt_epoll_set(id, Int32(SRT_EPOLL_ENABLE_EMPTY.rawValue))
    }

    deinit { srt_epoll_release(id) }

    private static func events(read: Bool, write: Bool) -> Int32 {
        var events = Int32(SRT_EPOLL_ERR.rawValue)
        if read { events |= Int32(SRT_EPOLL_IN.rawValue) }
        if write { events |= Int32(SRT_EPOLL_OUT.rawValue) }
        return events
    }

    /// Watches `socket` for what is asked.
    public func add(_ socket: SRTSocket, read: Bool, write: Bool) throws(SRTError) {
        var events = Self.events(read: read, write: write)
        guard srt_epoll_add_usock(id, socket.handle, &events) != SRT_ERROR else {
            throw .library("srt_epoll_add_usock", SRTLibrary.lastError)
        }
    }

    /// Changes what `socket` is watched for.
    public func update(_ socket: SRTSocket, read: Bool, write: Bool) {
        var events = Self.events(read: read, write: write)
        srt_epoll_update_usock(id, socket.handle, &events)
    }

    public func remove(_ socket: SRTSocket) { srt_epoll_remove_usock(id, socket.handle) }

    /// Watches a system descriptor for what is asked.
    public func add(descriptor: Int32, read: Bool, write: Bool) throws(SRTError) {
        var events = Self.events(read: read, write: write)
        guard srt_epoll_add_ssock(id, descriptor, &events) != SRT_ERROR else {
            throw .library("srt_epoll_add_ssock", SRTLibrary.lastError)
        }
    }

    public func update(descriptor: Int32, read: Bool, write: Bool) {
        var events = Self.events(read: read, write: write)
        srt_epoll_update_ssock(id, descriptor, &events)
    }

    public func remove(descriptor: Int32) { srt_epoll_remove_ssock(id, descriptor) }

    /// A ready SRT socket or descriptor, and whether it can be read (or has failed) or written.
    public struct Ready: Equatable {
        public var socket: SRTSOCKET?
        public var descriptor: Int32?
        public var readable: Bool
        public var writable: Bool
    }

    /// What is ready within `timeoutMilliseconds` (empty when nothing is).
    public func wait(timeoutMilliseconds: Int) -> [Ready] {
        var readSockets = [SRTSOCKET](repeating: 0, count: 256)
        var writeSockets = [SRTSOCKET](repeating: 0, count: 256)
        var readDescriptors = [Int32](repeating: 0, count: 256)
        var writeDescriptors = [Int32](repeating: 0, count: 256)
        var readCount: Int32 = 256
        var writeCount: Int32 = 256
        var readDescriptorCount: Int32 = 256
        var writeDescriptorCount: Int32 = 256
        let result = srt_epoll_wait(
            id, &readSockets, &readCount, &writeSockets, &writeCount, Int64(timeoutMilliseconds), &readDescriptors,
            &readDescriptorCount, &writeDescriptors, &writeDescriptorCount)
        guard result > 0 else { return [] }
        var ready: [Ready] = []
        for socket in readSockets.prefix(Int(clamping: min(max(readCount, 0), 256))) {
            ready.append(Ready(socket: socket, descriptor: nil, readable: true, writable: false))
        }
        for socket in writeSockets.prefix(Int(clamping: min(max(writeCount, 0), 256))) {
            ready.append(Ready(socket: socket, descriptor: nil, readable: false, writable: true))
        }
        for descriptor in readDescriptors.prefix(Int(clamping: min(max(readDescriptorCount, 0), 256))) {
            ready.append(Ready(socket: nil, descriptor: descriptor, readable: true, writable: false))
        }
        for descriptor in writeDescriptors.prefix(Int(clamping: min(max(writeDescriptorCount, 0), 256))) {
            ready.append(Ready(socket: nil, descriptor: descriptor, readable: false, writable: true))
        }
        return ready
    }
}
