#if canImport(Glibc)
    import Glibc
#endif

/// Why a shared-memory page, semaphore or record table could not be used.
public enum SharedMemoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `shm_open`, `ftruncate`, `mmap` or `sem_open` failed.
    case system(call: String, name: String, errno: Int32)
    /// The page does not exist (yet).
    case notFound(String)
    /// A record table's header or field list is inconsistent with the page it lives in.
    case corrupt(String)
    /// A record table has no field of that name, or not of the needed type.
    case noSuchField(String)
    /// Waited too long for a page or table to become ready.
    case timeout(String)

    public var description: String {
        switch self {
        case .system(let call, let name, let code):
            return "\(call) failed for \(name): \(String(cString: strerror(code)))"
        case .notFound(let name): return "shared memory page \(name) does not exist"
        case .corrupt(let what): return "corrupt shared memory: \(what)"
        case .noSuchField(let name): return "no field \(name) in record table"
        case .timeout(let what): return "timed out waiting for \(what)"
        }
    }
}
