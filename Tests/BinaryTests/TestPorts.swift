import Foundation
import MistNet
import Synchronization

/// Ports for the servers tests start. Taken below the kernel's ephemeral range (32768 and up
/// on Linux), never from it: a port the kernel hands out for port 0 is also what it hands out as
/// the source port of outgoing connections, and with many clients running in parallel one of
/// them took a test server's port between the check and the server's bind ("Address already in
/// use", then "Connection refused"). Each port is handed out once per test process.
enum TestPorts {
    private static let next = Mutex(15_000 + Int(getpid() % 8) * 2_000)

    /// A port nothing listens on now and no other test of this process was given.
    static func free() -> Int {
        for _ in 0..<2_000 {
            let port = next.withLock { port in
                defer { port = port + 1 >= 31_000 ? 15_000 : port + 1 }
                return port
            }
            if (try? TCPListener(interface: "127.0.0.1", port: UInt16(port))) != nil { return port }
        }
        return 0
    }
}
