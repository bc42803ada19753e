#if canImport(Glibc)
    import Glibc
#endif

/// Finds and removes what a stream's input left in shared memory.
public enum StreamCleanup {
    /// Whether the stream has no running input: no pid page, or the process it names is dead.
    public static func inputIsGone(_ stream: String) -> Bool {
        guard let page = try? SharedMemoryPage(opening: StreamPageNames.inputPID(stream), writable: false),
            page.size >= 8
        else { return true }
        let pid = pid_t(truncatingIfNeeded: page.base.loadUnaligned(as: UInt64.self))
        return !processIsAlive(pid)
    }

    /// Whether a process with this pid exists.
    public static func processIsAlive(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Removes every page and semaphore of `stream` (the semaphores kept with `keepingLocks`, for a
    /// new input that already holds them).
    public static func removePages(of stream: String, keepingLocks: Bool = false) {
        for name in pageNames(of: stream) { SharedMemoryPage.unlink(name) }
        guard !keepingLocks else { return }
        NamedSemaphore.unlink(StreamPageNames.inputSemaphore(stream))
        NamedSemaphore.unlink(StreamPageNames.trackListSemaphore(stream))
        NamedSemaphore.unlink(StreamUsers.semaphoreName(stream))
        NamedSemaphore.unlink(StreamPageNames.startSemaphore(stream))
    }

    /// Names of the stream's existing pages (metadata, state, pid, track and data pages).
    public static func pageNames(of stream: String) -> [String] {
        let fixed = [
            StreamPageNames.meta(stream), StreamPageNames.state(stream), StreamPageNames.inputPID(stream),
            StreamUsers.pageName(stream),
        ]
        let prefixes = ["MstTrak" + stream + "@", "MstData" + stream + "@"]
        var names = fixed.filter { SharedMemoryPage.exists($0) }
        let folder = SharedMemoryPage.useFiles ? SharedMemoryPage.fallbackFolder : "/dev/shm"
        for entry in DirectoryListing.names(in: folder) where prefixes.contains(where: { entry.hasPrefix($0) }) {
            names.append("/" + entry)
        }
        return names
    }

    /// Names of the shared-memory objects (pages and semaphores) in the system that belong to
    /// MistServer-style processes, for checks that nothing was left behind.
    public static func allMistObjects() -> [String] {
        let folder = SharedMemoryPage.useFiles ? SharedMemoryPage.fallbackFolder : "/dev/shm"
        return DirectoryListing.names(in: folder).filter { $0.hasPrefix("Mst") || $0.hasPrefix("sem.Mst") }
    }

    /// Streams whose input runs now (a state page exists and its input process is alive).
    public static func activeStreams() -> [String] {
        let prefix = "MstSTATE"
        return allMistObjects().filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            .filter { !inputIsGone($0) }.sorted()
    }
}
