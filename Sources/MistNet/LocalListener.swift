#if canImport(Glibc)
    import Glibc
#endif

/// A listening Unix-domain socket in Linux's abstract namespace: it has a name but no file, so
/// nothing is left behind when its process dies. Local processes of the suite meet on these
/// (a push-accepting output hands media to the stream's buffer input this way).
public final class LocalListener: @unchecked Sendable {
    public let descriptor: Int32
    public let name: String

    static func address(_ name: String) -> (sockaddr_un, socklen_t) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8.prefix(100))
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path[0] = 0  // abstract namespace
            for (index, byte) in bytes.enumerated() { path[index + 1] = byte }
        }
        let length = MemoryLayout<sa_family_t>.size + 1 + bytes.count
        return (address, socklen_t(length))
    }

    /// Listens on `name`; throws if another process already does.
    public init(name: String) throws(NetworkError) {
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw .system(call: "socket", errno: errno) }
        var (address, length) = LocalListener.address(name)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        guard bound == 0, listen(socket, 16) == 0 else {
            let code = errno
            Glibc.close(socket)
            throw .system(call: "bind", errno: code)
        }
        self.descriptor = socket
        self.name = name
    }

    /// Connects to a local listener.
    public static func connect(name: String) throws(NetworkError) -> TCPConnection {
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw .system(call: "socket", errno: errno) }
        var (address, length) = address(name)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, length) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(socket)
            throw .system(call: "connect", errno: code)
        }
        return TCPConnection(descriptor: socket, peer: "local:" + name)
    }

    /// The next connection, or nil when none arrives within `timeoutMilliseconds`.
    public func accept(timeoutMilliseconds: Int) throws(NetworkError) -> TCPConnection? {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, Int32(clamping: timeoutMilliseconds))
        if ready == 0 || (ready < 0 && errno == EINTR) { return nil }
        guard ready > 0 else { throw .system(call: "poll", errno: errno) }
        let connection = Glibc.accept(descriptor, nil, nil)
        guard connection >= 0 else { return nil }
        // (accept4 is not in Glibc's module; spawned children close everything above 2 anyway.)
        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
        return TCPConnection(descriptor: connection, peer: "local:" + name)
    }

    deinit { Glibc.close(descriptor) }
}
