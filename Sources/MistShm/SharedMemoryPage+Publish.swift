#if canImport(Glibc)
    import Glibc
#endif

extension SharedMemoryPage {
    /// Publishes a page under `name` in one step: `fill` writes it under a temporary name, which
    /// is then renamed over the old page, so a reader maps either the old page or the whole new
    /// one (MistServer's readers map such pages anew for every read).
    public static func publish(
        _ name: String, size: Int, fill: (UnsafeMutableRawPointer) throws(SharedMemoryError) -> Void
    ) throws(SharedMemoryError) {
        let temporary = name + ".new\(getpid())"
        let page = try SharedMemoryPage(creating: temporary, size: size)
        defer { page.close() }
        do {
            try fill(page.base)
        } catch {
            _ = unlink(temporary)
            throw error
        }
        page.isOwner = false
        let folder = useFiles ? fallbackFolder : "/dev/shm"
        let from = folder + "/" + temporary.drop { $0 == "/" }
        let to = folder + "/" + name.drop { $0 == "/" }
        guard rename(from, to) == 0 else {
            _ = unlink(temporary)
            throw .corrupt("cannot publish \(name): \(String(cString: strerror(errno)))")
        }
    }
}
