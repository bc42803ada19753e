import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Read-only mappings of data pages shared by every reader in this process: a thousand viewers
/// in one output map each page once instead of a thousand times (each mapping's touched pages
/// count toward the process's memory). A page name that now refers to a new object (a restarted
/// input reusing it) gets a fresh mapping.
public enum PageMappings {
    private final class Entry: @unchecked Sendable {
        weak var page: SharedMemoryPage?
        let device: UInt64
        let inode: UInt64
        let size: Int

        init(page: SharedMemoryPage, device: UInt64, inode: UInt64, size: Int) {
            self.page = page
            self.device = device
            self.inode = inode
            self.size = size
        }
    }

    private static let entries = Mutex<[String: Entry]>([:])

    /// The page `name`, mapped read-only, shared with other readers of this process.
    public static func readOnly(_ name: String) throws(SharedMemoryError) -> SharedMemoryPage {
        guard let identity = SharedMemoryPage.identity(of: name) else { throw .notFound(name) }
        if let page = entries.withLock({ entries -> SharedMemoryPage? in
            guard let entry = entries[name], entry.device == identity.device, entry.inode == identity.inode,
                entry.size == identity.size
            else { return nil }
            return entry.page
        }) {
            return page
        }
        let page = try SharedMemoryPage(opening: name, writable: false)
        entries.withLock { entries in
            entries[name] = Entry(page: page, device: identity.device, inode: identity.inode, size: identity.size)
            if entries.count > 4096 { entries = entries.filter { $0.value.page != nil } }
        }
        return page
    }
}
