import CShim

#if canImport(Glibc)
    import Glibc
#endif

/// A named POSIX semaphore (`/MstSemInpt<stream>` ...), as MistServer's processes share them.
/// Where pages are plain files (no /dev/shm), a lock file with `flock` stands in; the suite only
/// uses its semaphores as locks, and the kernel releases such a lock when its holder dies.
public final class NamedSemaphore: @unchecked Sendable {
    public let name: String
    private let handle: UnsafeMutablePointer<sem_t>?
    private let lockFile: Int32

    /// Opens the semaphore, creating it with `initialValue` if it does not exist.
    public init(_ name: String, initialValue: UInt32 = 1) throws(SharedMemoryError) {
        self.name = name
        if SharedMemoryPage.useFiles {
            mkdir(SharedMemoryPage.fallbackFolder, 0o777)
            let descriptor = open(NamedSemaphore.lockPath(name), O_CREAT | O_RDWR, 0o666)
            guard descriptor >= 0 else { throw .system(call: "open", name: name, errno: errno) }
            handle = nil
            lockFile = descriptor
            return
        }
        guard let handle = mist_sem_open(name, O_CREAT | O_RDWR, 0o666, initialValue) else {
            throw .system(call: "sem_open", name: name, errno: errno)
        }
        self.handle = handle
        self.lockFile = -1
    }

    static func lockPath(_ name: String) -> String { SharedMemoryPage.path("sem." + name.drop(while: { $0 == "/" })) }

    /// Takes the semaphore if it is free right now.
    public func tryWait() -> Bool {
        guard let handle else { return flock(lockFile, LOCK_EX | LOCK_NB) == 0 }
        while true {
            if sem_trywait(handle) == 0 { return true }
            if errno != EINTR { return false }
        }
    }

    /// Takes the semaphore, waiting at most `milliseconds`.
    public func wait(milliseconds: Int) -> Bool {
        guard let handle else {
            for _ in 0...(milliseconds / 5) {
                if flock(lockFile, LOCK_EX | LOCK_NB) == 0 { return true }
                usleep(5000)
            }
            return false
        }
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

    public func post() {
        guard let handle else {
            flock(lockFile, LOCK_UN)
            return
        }
        sem_post(handle)
    }

    /// Removes the name; holders keep working.
    public static func unlink(_ name: String) {
        if SharedMemoryPage.useFiles {
            Glibc.unlink(lockPath(name))
        } else {
            sem_unlink(name)
        }
    }

    deinit {
        if let handle { sem_close(handle) } else { close(lockFile) }
    }
}
