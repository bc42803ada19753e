import CShim

#if canImport(Glibc)
    import Glibc
#endif

/// A named POSIX semaphore (`/MstSemInpt<stream>` ...), as MistServer's processes share them.
public final class NamedSemaphore: @unchecked Sendable {
    public let name: String
    private let handle: UnsafeMutablePointer<sem_t>

    /// Opens the semaphore, creating it with `initialValue` if it does not exist.
    public init(_ name: String, initialValue: UInt32 = 1) throws(SharedMemoryError) {
        guard let handle = mist_sem_open(name, O_CREAT | O_RDWR, 0o666, initialValue) else {
            throw .system(call: "sem_open", name: name, errno: errno)
        }
        self.name = name
        self.handle = handle
    }

    /// Takes the semaphore if it is free right now.
    public func tryWait() -> Bool {
        while true {
            if sem_trywait(handle) == 0 { return true }
            if errno != EINTR { return false }
        }
    }

    /// Takes the semaphore, waiting at most `milliseconds`.
    public func wait(milliseconds: Int) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += milliseconds / 1000
        deadline.tv_nsec += (milliseconds % 1000) * 1_000_000
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
        }
        while true {
            if sem_timedwait(handle, &deadline) == 0 { return true }
            if errno != EINTR { return false }
        }
    }

    public func post() { sem_post(handle) }

    /// Removes the name; holders keep working.
    public static func unlink(_ name: String) { sem_unlink(name) }

    deinit { sem_close(handle) }
}
