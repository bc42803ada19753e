import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// Sends commands to the local controller's UDP API, as MistServer's processes do: to the
/// address the controller published, else `UDP_API`, else `localhost:4242`.
public enum UDPAPIClient {
    public static func address() -> String {
        if let published = GlobalConfigPage.read()?["udpApi"].stringValue,
            published.hasPrefix("udp://")
        {
            return published
        }
        if let variable = getenv("UDP_API").map({ String(cString: $0) }), variable.hasPrefix("udp://") {
            return variable
        }
        return "udp://localhost:4242"
    }

    /// Sends `command` as one datagram; false when the address cannot be used.
    @discardableResult
    public static func send(_ command: JSONValue) -> Bool {
        guard let (host, number) = UDPAddress.parse(address()), let number else { return false }
        let port = String(number)
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        let socket = Glibc.socket(first.pointee.ai_family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        let text = Array(JSONWriter.compact(command).utf8)
        let sent = text.withUnsafeBytes {
            sendto(socket, $0.baseAddress, $0.count, 0, first.pointee.ai_addr, first.pointee.ai_addrlen)
        }
        return sent == text.count
    }
}
