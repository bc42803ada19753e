#if canImport(Glibc)
    import Glibc
#endif

/// A UDP socket bound to a port that receives datagrams, joined to a multicast group when the
/// address is one (224.0.0.0/4), as `tsudp://` sources need.
public final class UDPReceiver {
    public let descriptor: Int32
    public let port: UInt16

    /// Binds `host:port`; an empty host or `0.0.0.0` takes any local address. `shared` lets
    /// other sockets bind the same port (multicast listeners); a port of one's own says false.
    public init(host: String, port: UInt16, shared: Bool = true) throws(NetworkError) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw .system(call: "socket", errno: errno) }
        descriptor = socket
        var one: Int32 = 1
        if shared { setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
        var size: Int32 = 4 << 20
        setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var group = in_addr()
        let isAddress = !host.isEmpty && inet_aton(host, &group) != 0
        let isMulticast = isAddress && (UInt32(bigEndian: group.s_addr) >> 28) == 14
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = isAddress && !isMulticast ? group.s_addr : INADDR_ANY
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            Glibc.close(socket)
            throw .system(call: "bind", errno: code)
        }
        if isMulticast {
            var request = ip_mreq(imr_multiaddr: group, imr_interface: in_addr(s_addr: INADDR_ANY))
            setsockopt(socket, Int32(IPPROTO_IP), IP_ADD_MEMBERSHIP, &request, socklen_t(MemoryLayout<ip_mreq>.size))
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        self.port = UInt16(bigEndian: actual.sin_port)
    }

    /// Appends the datagrams that arrive within `timeoutMilliseconds` (as many as are waiting);
    /// returns the number of bytes added.
    public func receive(into buffer: inout [UInt8], timeoutMilliseconds: Int) -> Int {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(clamping: timeoutMilliseconds)) > 0 else { return 0 }
        var total = 0
        withUnsafeTemporaryAllocation(byteCount: 65536, alignment: 16) { scratch in
            while true {
                let count = recv(descriptor, scratch.baseAddress, 65536, Int32(MSG_DONTWAIT))
                guard count > 0 else { return }
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
                total += count
                if total > 1 << 20 { return }
            }
        }
        return total
    }

    /// The datagrams waiting now, each on its own (as RTP needs), at most `limit` of them.
    public func datagrams(limit: Int = 512) -> [[UInt8]] {
        var out: [[UInt8]] = []
        withUnsafeTemporaryAllocation(byteCount: 65536, alignment: 16) { scratch in
            while out.count < limit {
                let count = recv(descriptor, scratch.baseAddress, 65536, Int32(MSG_DONTWAIT))
                guard count >= 0 else { return }
                out.append(Array(UnsafeRawBufferPointer(rebasing: scratch[0..<count])))
            }
        }
        return out
    }

    deinit { Glibc.close(descriptor) }
}
