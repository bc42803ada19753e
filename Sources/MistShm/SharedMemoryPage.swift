#if canImport(Glibc)
    import Glibc
#endif

/// A named POSIX shared-memory page (`shm_open` + `mmap`), or a file in a fallback folder where
/// /dev/shm is missing. Names are MistServer's (`/MstMeta<stream>` ...), so processes of either
/// code base find each other's pages.
///
/// The owner created the page and unlinks it when it is closed; other processes only map it.
public final class SharedMemoryPage: @unchecked Sendable {
    public let name: String
    public let size: Int
    public let base: UnsafeMutableRawPointer
    /// Whether closing this page also removes it.
    public var isOwner: Bool
    private var closed = false

    /// Folder used instead of /dev/shm when the system has none (or `MIST_SHM_FOLDER` names one).
    public static let fallbackFolder: String = {
        if let folder = getenv("MIST_SHM_FOLDER") { return String(cString: folder) }
        return "/tmp/MistSwiftShm"
    }()

    /// Whether pages (and semaphores) are plain files in `fallbackFolder`.
    public static let useFiles: Bool = {
        var info = stat()
        return getenv("MIST_SHM_FOLDER") != nil || stat("/dev/shm", &info) != 0
    }()

    static func path(_ name: String) -> String {
        fallbackFolder + "/" + String(name.drop(while: { $0 == "/" }))
    }

    private static func openDescriptor(_ name: String, flags: Int32) -> Int32 {
        if useFiles {
            mkdir(fallbackFolder, 0o777)
            return open(path(name), flags, 0o666)
        }
        return shm_open(name, flags, 0o666)
    }

    /// Creates the page, zero-filled, and maps it. A page of the same name (left behind by an owner
    /// that died) is replaced, as MistServer's owners do; whoever still maps the old one keeps it.
    public init(creating name: String, size: Int) throws(SharedMemoryError) {
        SharedMemoryPage.unlink(name)  // a fresh page: readers of a stale one keep their old mapping
        let descriptor = SharedMemoryPage.openDescriptor(name, flags: O_CREAT | O_EXCL | O_RDWR)
        guard descriptor >= 0 else { throw .system(call: "shm_open", name: name, errno: errno) }
        defer { Glibc.close(descriptor) }
        guard ftruncate(descriptor, off_t(size)) == 0 else {
            let code = errno
            SharedMemoryPage.unlink(name)
            throw .system(call: "ftruncate", name: name, errno: code)
        }
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED
        else {
            let code = errno
            SharedMemoryPage.unlink(name)
            throw .system(call: "mmap", name: name, errno: code)
        }
        self.name = name
        self.size = size
        self.base = mapped
        self.isOwner = true
    }

    /// Maps an existing page at its current size.
    public init(opening name: String, writable: Bool = true) throws(SharedMemoryError) {
        let descriptor = SharedMemoryPage.openDescriptor(name, flags: writable ? O_RDWR : O_RDONLY)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw .notFound(name) }
            throw .system(call: "shm_open", name: name, errno: errno)
        }
        defer { Glibc.close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .system(call: "fstat", name: name, errno: errno) }
        guard info.st_size > 0 else { throw .corrupt("page \(name) is empty") }
        let length = Int(info.st_size)
        let protection = writable ? PROT_READ | PROT_WRITE : PROT_READ
        guard let mapped = mmap(nil, length, protection, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            throw .system(call: "mmap", name: name, errno: errno)
        }
        self.name = name
        self.size = length
        self.base = mapped
        self.isOwner = false
    }

    /// The device, inode and size of the object behind `name` (to tell a reused name apart).
    static func identity(of name: String) -> (device: UInt64, inode: UInt64, size: Int)? {
        var info = stat()
        let folder = useFiles ? fallbackFolder : "/dev/shm"
        guard stat(folder + "/" + String(name.drop(while: { $0 == "/" })), &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino), Int(info.st_size))
    }

    /// Whether a page of this name exists.
    public static func exists(_ name: String) -> Bool {
        let descriptor = openDescriptor(name, flags: O_RDONLY)
        guard descriptor >= 0 else { return false }
        Glibc.close(descriptor)
        return true
    }

    /// Removes a page name; processes that mapped it keep their mapping until they close it.
    @discardableResult
    public static func unlink(_ name: String) -> Bool {
        if useFiles { return Glibc.unlink(path(name)) == 0 }
        return shm_unlink(name) == 0
    }

    /// The mapped bytes.
    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: size) }

    /// Unmaps the page, and removes it if this process owns it.
    public func close() {
        guard !closed else { return }
        closed = true
        munmap(base, size)
        if isOwner { SharedMemoryPage.unlink(name) }
    }

    deinit { close() }
}
