import Foundation
import Synchronization

/// A UDP relay between one client and a server on loopback that drops every `dropEvery`th
/// datagram each way: a lossy link made in the test itself (no `tc netem` needed).
final class LossyUDPRelay: @unchecked Sendable {
    private let front: Int32
    private let back: Int32
    private let stopping = Atomic<Bool>(false)
    private let droppedCount = Atomic<Int>(0)
    private let dropEvery: Int

    var dropped: Int { droppedCount.load(ordering: .relaxed) }

    init(listen: UInt16, forward: UInt16, dropEvery: Int) throws {
        let front = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let back = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.front = front
        self.back = back
        guard front >= 0, back >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = listen.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(front, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        address.sin_port = forward.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(back, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, connected == 0 else { throw POSIXError(.EADDRINUSE) }
        self.dropEvery = dropEvery
        Thread { [self] in relay() }.start()
    }

    private func relay() {
        var client = sockaddr_storage()
        var clientLength = socklen_t(0)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var counts = (0, 0)
        var entries = [
            pollfd(fd: front, events: Int16(POLLIN), revents: 0), pollfd(fd: back, events: Int16(POLLIN), revents: 0),
        ]
        while !stopping.load(ordering: .relaxed) {
            guard poll(&entries, 2, 100) > 0 else { continue }
            if entries[0].revents != 0 {
                clientLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let count = withUnsafeMutablePointer(to: &client) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(front, &buffer, buffer.count, 0, $0, &clientLength)
                    }
                }
                counts.0 += 1
                if count > 0 {
                    if counts.0 % dropEvery == 0 {
                        droppedCount.add(1, ordering: .relaxed)
                    } else {
                        send(back, buffer, count, 0)
                    }
                }
            }
            if entries[1].revents != 0 {
                let count = recv(back, &buffer, buffer.count, 0)
                counts.1 += 1
                if count > 0 && clientLength > 0 {
                    if counts.1 % dropEvery == 0 {
                        droppedCount.add(1, ordering: .relaxed)
                    } else {
                        _ = withUnsafePointer(to: &client) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                sendto(front, buffer, count, 0, $0, clientLength)
                            }
                        }
                    }
                }
            }
        }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        usleep(200_000)
        close(front)
        close(back)
    }
}
