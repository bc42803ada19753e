#if canImport(Glibc)
    import Glibc
#endif

/// A listening TCP socket.
public final class TCPListener: @unchecked Sendable {
    public let descriptor: Int32
    /// The port actually bound (useful when asking for port 0).
    public let port: UInt16

    /// Binds `interface:port` (IPv4 dotted address, or 0.0.0.0 for all) and listens.
    public init(interface: String, port: UInt16) throws(NetworkError) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw .system(call: "socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, interface, &address.sin_addr) == 1 else {
            Glibc.close(socket)
            throw .resolve(host: interface, reason: "not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socket, 128) == 0 else {
            let code = errno
            Glibc.close(socket)
            throw .system(call: "bind", errno: code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        self.descriptor = socket
        self.port = UInt16(bigEndian: actual.sin_port)
    }

    /// The next connection, or nil when none arrives within `timeoutMilliseconds`.
    public func accept(timeoutMilliseconds: Int) throws(NetworkError) -> TCPConnection? {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, Int32(clamping: timeoutMilliseconds))
        if ready == 0 || (ready < 0 && errno == EINTR) { return nil }
        guard ready > 0 else { throw .system(call: "poll", errno: errno) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let connection = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(descriptor, $0, &length) }
        }
        guard connection >= 0 else {
            if errno == EAGAIN || errno == EINTR || errno == ECONNABORTED { return nil }
            throw .system(call: "accept", errno: errno)
        }
        // (accept4 is not in Glibc's module; spawned children close everything above 2 anyway.)
        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &address.sin_addr, &text, socklen_t(text.count))
        let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return TCPConnection(descriptor: connection, peer: "\(host):\(UInt16(bigEndian: address.sin_port))")
    }

    deinit { Glibc.close(descriptor) }
}
