import CSRT

#if canImport(Glibc)
    import Glibc
#endif

/// One libsrt socket: a caller's connection, a listener, or a connection a listener accepted.
/// Blocking calls take timeouts; a socket made `nonBlocking` is for an event loop that waits on
/// it with `SRTPoller`. libsrt is thread-safe, so a socket may be used from any thread; closing
/// it twice is harmless.
public final class SRTSocket: @unchecked Sendable {
    public let handle: SRTSOCKET
    /// The peer, `host:port` (IPv6 hosts in brackets), once connected or accepted.
    public private(set) var peer = ""
    /// The peer's address without its port.
    public private(set) var peerHost = ""
    private var isClosed = false
    /// The counters as they were at closing (libsrt forgets a closed socket).
    private var finalStatistics: SRTStatistics?

    private init(handle: SRTSOCKET) {
        self.handle = handle
    }

    private static func make() throws(SRTError) -> SRTSocket {
        SRTLibrary.start()
        let handle = srt_create_socket()
        guard handle != SRT_INVALID_SOCK else { throw .library("srt_create_socket", SRTLibrary.lastError) }
        return SRTSocket(handle: handle)
    }

    deinit { close() }

    /// Connects to `host:port` as a caller with `options` (URL parameters by MistServer's names;
    /// unknown names are ignored, bad values throw).
    public static func connect(
        host: String, port: UInt16, options: [String: String], timeoutMilliseconds: Int = 3000
    ) throws(SRTError) -> SRTSocket {
        let address = try resolve(host, port: port, passive: false)
        let socket = try make()
        var options = options
        if options["conntimeo"] == nil { options["conntimeo"] = String(max(100, timeoutMilliseconds)) }
        try socket.apply(options, afterConnect: false)
        let result = address.withUnsafeBytes {
            srt_connect(socket.handle, $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), Int32($0.count))
        }
        guard result != SRT_ERROR else {
            let message = SRTLibrary.lastError
            socket.close()
            throw .library("connecting to \(host):\(port)", message)
        }
        try socket.apply(options, afterConnect: true)
        socket.peer = describe(address)
        socket.peerHost = host
        return socket
    }

    /// A listener on `host:port` (every address when `host` is empty); accepted connections
    /// take its `options` (a passphrase then is required of callers).
    public static func listen(host: String, port: UInt16, options: [String: String], backlog: Int32 = 64)
        throws(SRTError) -> SRTSocket
    {
        let address = try resolve(host, port: port, passive: true)
        let socket = try make()
        var options = options
        options["streamid"] = nil
        try socket.apply(options, afterConnect: false)
        let bound = address.withUnsafeBytes {
            srt_bind(socket.handle, $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), Int32($0.count))
        }
        guard bound != SRT_ERROR else {
            let message = SRTLibrary.lastError
            socket.close()
            throw .library("binding \(host.isEmpty ? "*" : host):\(port)", message)
        }
        guard srt_listen(socket.handle, backlog) != SRT_ERROR else {
            let message = SRTLibrary.lastError
            socket.close()
            throw .library("listening", message)
        }
        // Accepting never blocks: `accept` waits with a poller, a relay with its own.
        socket.setNonBlocking()
        return socket
    }

    /// The port the socket is bound to (a listener on port 0 gets one from the system); 0 when
    /// the library cannot tell.
    public var localPort: UInt16 {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let found = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { srt_getsockname(handle, $0, &length) }
        }
        guard found != SRT_ERROR else { return 0 }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// The next connection a listener has, waiting at most `timeoutMilliseconds`; nil if none came.
    public func accept(timeoutMilliseconds: Int) throws(SRTError) -> SRTSocket? {
        // A connection that came before the wait began is not reported by it: take it first.
        if let socket = try acceptReady() { return socket }
        let poller = try SRTPoller()
        try poller.add(self, read: true, write: false)
        guard !poller.wait(timeoutMilliseconds: timeoutMilliseconds).isEmpty else { return nil }
        return try acceptReady()
    }

    /// The connection a listener has ready now (after its poller said so); nil when none is.
    public func acceptReady() throws(SRTError) -> SRTSocket? {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let accepted = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { srt_accept(handle, $0, &length) }
        }
        guard accepted != SRT_INVALID_SOCK else {
            if srt_getlasterror(nil) == SRT_EASYNCRCV.rawValue { return nil }
            throw .library("srt_accept", SRTLibrary.lastError)
        }
        let socket = SRTSocket(handle: accepted)
        // It inherits the listener's non-blocking mode; connections start blocking, like callers'.
        socket.setBlocking(true)
        let bytes = withUnsafeBytes(of: storage) { Array($0.prefix(Int(length))) }
        socket.peer = Self.describe(bytes)
        socket.peerHost = Self.host(of: bytes)
        return socket
    }

    /// Sets `options` that apply at this stage (before or after connecting).
    func apply(_ options: [String: String], afterConnect: Bool) throws(SRTError) {
        for (name, value) in options.sorted(by: { $0.key < $1.key }) {
            guard let option = SRTOption.all[name], option.afterConnect == afterConnect else { continue }
            // An empty value leaves libsrt's default (a form's unset field).
            if value.isEmpty && name != "streamid" { continue }
            try option.apply(value, to: handle)
        }
    }

    /// Makes sends and receives return at once instead of waiting (for an event loop).
    public func setNonBlocking() { setBlocking(false) }

    func setBlocking(_ blocking: Bool) {
        var flag: Int32 = blocking ? 1 : 0
        srt_setsockflag(handle, SRTO_RCVSYN, &flag, 4)
        srt_setsockflag(handle, SRTO_SNDSYN, &flag, 4)
    }

    /// The stream id the caller sent (on an accepted socket), or the one set.
    public var streamID: String {
        var bytes = [UInt8](repeating: 0, count: 513)
        var length = Int32(512)
        guard srt_getsockflag(handle, SRTO_STREAMID, &bytes, &length) != SRT_ERROR else { return "" }
        return String(decoding: bytes.prefix(Int(clamping: min(max(length, 0), 512))), as: UTF8.self)
    }

    /// Whether the connection still works.
    public var isConnected: Bool {
        let state = srt_getsockstate(handle)
        return state == SRTS_CONNECTED
    }

    /// What a receive found.
    public enum Received: Equatable {
        case bytes(Int)
        /// Nothing within the timeout (or nothing now, when non-blocking).
        case none
        case closed
    }

    /// Receives one message (live mode: up to 1316 bytes) into `buffer` (replacing what it
    /// held), waiting at most `timeoutMilliseconds` (blocking sockets only).
    public func receive(into buffer: inout [UInt8], timeoutMilliseconds: Int32 = -1) -> Received {
        if timeoutMilliseconds >= 0 {
            var timeout = timeoutMilliseconds
            srt_setsockflag(handle, SRTO_RCVTIMEO, &timeout, 4)
        }
        if buffer.count < 1500 { buffer = [UInt8](repeating: 0, count: 1500) }
        let count = buffer.withUnsafeMutableBytes {
            srt_recvmsg(handle, $0.baseAddress?.assumingMemoryBound(to: CChar.self), Int32($0.count))
        }
        if count > 0 { return .bytes(Int(count)) }
        if count == SRT_ERROR {
            let code = srt_getlasterror(nil)
            if code == SRT_EASYNCRCV.rawValue || code == SRT_ETIMEOUT.rawValue { return .none }
        }
        return .closed
    }

    /// What a send did.
    public enum Sent: Equatable {
        case sent
        /// The send buffer is full (non-blocking sockets): try again when writable.
        case full
        case closed
    }

    /// Sends `bytes` as one message (at most 1316 bytes in live mode).
    public func send(_ bytes: UnsafeRawBufferPointer) -> Sent {
        let count = srt_sendmsg(
            handle, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), -1, 0)
        if count >= 0 { return .sent }
        return srt_getlasterror(nil) == SRT_EASYNCSND.rawValue ? .full : .closed
    }

    /// libsrt's counters of this connection.
    public var statistics: SRTStatistics {
        if let finalStatistics { return finalStatistics }
        var raw = SRT_TRACEBSTATS()
        var stats = SRTStatistics()
        guard srt_bstats(handle, &raw, 0) != SRT_ERROR else { return stats }
        stats.sent = raw.pktSentTotal
        stats.received = raw.pktRecvTotal
        stats.lost = Int64(raw.pktSndLossTotal) + Int64(raw.pktRcvLossTotal)
        stats.retransmitted = Int64(raw.pktRetransTotal)
        stats.dropped = Int64(raw.pktRcvDropTotal) + Int64(raw.pktSndDropTotal)
        stats.rttMilliseconds = raw.msRTT.isFinite ? raw.msRTT : 0
        return stats
    }

    /// Closes the socket (a second call does nothing).
    public func close() {
        guard !isClosed else { return }
        finalStatistics = statistics
        isClosed = true
        srt_close(handle)
    }

    /// The bytes of a `sockaddr` for `host:port`.
    static func resolve(_ host: String, port: UInt16, passive: Bool) throws(SRTError) -> [UInt8] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_family = AF_UNSPEC
        if passive { hints.ai_flags = AI_PASSIVE }
        var list: UnsafeMutablePointer<addrinfo>?
        let name = host.isEmpty ? (passive ? "0.0.0.0" : "127.0.0.1") : host.trimmingBrackets
        guard getaddrinfo(name, String(port), &hints, &list) == 0, let first = list else {
            throw .badAddress("\(host):\(port)")
        }
        defer { freeaddrinfo(list) }
        guard let address = first.pointee.ai_addr else { throw .badAddress("\(host):\(port)") }
        return Array(UnsafeRawBufferPointer(start: address, count: Int(first.pointee.ai_addrlen)))
    }

    /// `host:port` of a `sockaddr`'s bytes.
    static func describe(_ address: [UInt8]) -> String {
        let host = host(of: address)
        let port = port(of: address)
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func host(of address: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        address.withUnsafeBytes { raw in
            guard raw.count >= 2 else { return }
            let family = raw.loadUnaligned(as: sa_family_t.self)
            if family == sa_family_t(AF_INET), raw.count >= MemoryLayout<sockaddr_in>.size {
                var ipv4 = raw.loadUnaligned(as: sockaddr_in.self)
                inet_ntop(AF_INET, &ipv4.sin_addr, &text, socklen_t(text.count))
            } else if family == sa_family_t(AF_INET6), raw.count >= MemoryLayout<sockaddr_in6>.size {
                var ipv6 = raw.loadUnaligned(as: sockaddr_in6.self)
                inet_ntop(AF_INET6, &ipv6.sin6_addr, &text, socklen_t(text.count))
            }
        }
        let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // IPv4 peers of a dual-stack listener arrive as ::ffff:a.b.c.d.
        return host.hasPrefix("::ffff:") && host.contains(".") ? String(host.dropFirst(7)) : host
    }

    static func port(of address: [UInt8]) -> UInt16 {
        guard address.count >= 4 else { return 0 }
        return UInt16(address[2]) << 8 | UInt16(address[3])
    }
}

extension String {
    /// An IPv6 literal without the brackets a URL puts around it.
    fileprivate var trimmingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}
