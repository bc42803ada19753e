import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A connected TCP socket with blocking, timeout-bounded reads and writes.
///
/// One connection is served by one thread (as MistServer serves each viewer in its own process),
/// which suits readers of shared memory that wait for media by polling.
public final class TCPConnection: CountedConnection, @unchecked Sendable {
    public let descriptor: Int32
    /// The peer's address, for logs.
    public let peer: String
    /// Whether the owner closed (or gave away) the socket. A lock, not an atomic: `cut` from
    /// another thread must not shut down a number the owner closed and the kernel reused
    /// between its check and its call.
    private let isClosed = Mutex<Bool>(false)
    /// Bytes sent and received so far, for statistics (read from other threads).
    public let bytesSent = Atomic<Int>(0)
    public let bytesReceived = Atomic<Int>(0)

    public init(descriptor: Int32, peer: String) {
        self.descriptor = descriptor
        self.peer = peer
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The IPv4 address this end of the connection uses (where a client binds the UDP ports it
    /// asks a server to send to); nil for IPv6 or a closed socket.
    public var localIPv4: String? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0, address.sin_family == sa_family_t(AF_INET) else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &address.sin_addr, &text, socklen_t(text.count)) != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Connects to `host:port`, trying each address the name resolves to.
    public static func connect(host: String, port: UInt16, timeoutMilliseconds: Int = 5000) throws(NetworkError)
        -> TCPConnection
    {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .resolve(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastError = NetworkError.resolve(host: host, reason: "no addresses")
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let socket = Glibc.socket(
                current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard socket >= 0 else {
                lastError = .system(call: "socket", errno: errno)
                continue
            }
            // Non-blocking while connecting, so an address that never answers costs the timeout,
            // not the kernel's minutes of retries.
            let flags = fcntl(socket, F_GETFL)
            _ = fcntl(socket, F_SETFL, flags | O_NONBLOCK)
            var connected = Glibc.connect(socket, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0
            if !connected && errno == EINPROGRESS {
                var entry = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
                var ready: Int32
                repeat {
                    ready = poll(&entry, 1, Int32(clamping: timeoutMilliseconds))
                } while ready < 0 && errno == EINTR
                var failure: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                if ready == 0 {
                    lastError = .timeout
                } else if ready > 0 && getsockopt(socket, SOL_SOCKET, SO_ERROR, &failure, &length) == 0 {
                    if failure == 0 { connected = true } else { lastError = .system(call: "connect", errno: failure) }
                } else {
                    lastError = .system(call: "connect", errno: errno)
                }
            } else if !connected {
                lastError = .system(call: "connect", errno: errno)
            }
            if connected {
                _ = fcntl(socket, F_SETFL, flags)
                return TCPConnection(descriptor: socket, peer: "\(host):\(port)")
            }
            Glibc.close(socket)
        }
        throw lastError
    }

    /// Waits until the socket is readable (or writable); false on timeout.
    private func wait(for events: Int16, milliseconds: Int) throws(NetworkError) -> Bool {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        while true {
            let ready = poll(&entry, 1, Int32(clamping: milliseconds))
            if ready > 0 { return true }
            if ready == 0 { return false }
            if errno != EINTR { throw .system(call: "poll", errno: errno) }
        }
    }

    /// Sends every byte, waiting at most `timeoutMilliseconds` for room each time the socket is full.
    public func send(_ bytes: UnsafeRawBufferPointer, timeoutMilliseconds: Int = 10_000) throws(NetworkError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            // Never blocking in the call itself: a full socket waits in poll, bounded by the timeout.
            let written = Glibc.send(
                descriptor, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            if written > 0 {
                bytesSent.add(written, ordering: .relaxed)
                offset += written
                continue
            }
            if written < 0 && (errno == EAGAIN || errno == EINTR) {
                guard try wait(for: Int16(POLLOUT), milliseconds: timeoutMilliseconds) else { throw .timeout }
                continue
            }
            if written < 0 && (errno == EPIPE || errno == ECONNRESET) { throw .closed }
            throw .system(call: "send", errno: errno)
        }
    }

    /// Sends what the socket takes now without waiting: the number of bytes sent, 0 when it is
    /// full. Throws `.closed` when the peer has gone.
    public func trySend(_ bytes: UnsafeRawBufferPointer) throws(NetworkError) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        while true {
            let written = Glibc.send(descriptor, base, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            if written >= 0 {
                bytesSent.add(written, ordering: .relaxed)
                return written
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
            if errno == EPIPE || errno == ECONNRESET { throw .closed }
            throw .system(call: "send", errno: errno)
        }
    }

    /// Whether the peer has closed (or reset) the connection, without waiting; anything it sent
    /// meanwhile is read and dropped.
    public func peerHasClosed() -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        if entry.revents & Int16(POLLERR | POLLHUP) != 0 { return true }
        return withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 16) { scratch in
            let count = recv(descriptor, scratch.baseAddress, 4096, Int32(MSG_DONTWAIT))
            return count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR)
        }
    }

    public func send(_ bytes: [UInt8], timeoutMilliseconds: Int = 10_000) throws(NetworkError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(NetworkError) in try send(raw, timeoutMilliseconds: timeoutMilliseconds) }
        }
        try result.get()
    }

    /// Appends what arrives within `timeoutMilliseconds` to `buffer` (at most `limit` bytes).
    /// Returns the number of bytes read: 0 on timeout; throws `.closed` when the peer has closed.
    public func receive(into buffer: inout [UInt8], limit: Int = 65536, timeoutMilliseconds: Int) throws(NetworkError)
        -> Int
    {
        guard try wait(for: Int16(POLLIN), milliseconds: timeoutMilliseconds) else { return 0 }
        // Receive into scratch space and append only what arrived: growing the buffer by `limit`
        // zeros first would cost a megabyte of writes per call.
        let count = withUnsafeTemporaryAllocation(byteCount: max(limit, 1), alignment: 16) { scratch in
            let count = recv(descriptor, scratch.baseAddress, limit, 0)
            if count > 0 { bytesReceived.add(count, ordering: .relaxed) }
            if count > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count])) }
            return count
        }
        if count == 0 { throw .closed }
        if count < 0 {
            if errno == EAGAIN || errno == EINTR { return 0 }
            if errno == ECONNRESET { throw .closed }
            throw .system(call: "recv", errno: errno)
        }
        return count
    }

    /// Gives the socket to another owner (an event loop): this connection no longer closes it.
    /// Nil when it was closed already.
    public func detach() -> Int32? {
        isClosed.withLock { closed in
            defer { closed = true }
            return closed ? nil : descriptor
        }
    }

    public func close() {
        isClosed.withLock { closed in
            guard !closed else { return }
            closed = true
            Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
            Glibc.close(descriptor)
        }
    }

    deinit { close() }

    public var sentBytes: Int { bytesSent.load(ordering: .relaxed) }
    public var receivedBytes: Int { bytesReceived.load(ordering: .relaxed) }

    /// Shuts the socket down (not closes it, so its number is not reused under its owner), unless
    /// the owner closed it already.
    public func cut() {
        isClosed.withLock { closed in
            if !closed { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }
}
