import Foundation
import MistNet
import Synchronization

/// Connections handed to a reader thread.
final class ViewerBox: @unchecked Sendable {
    let connections: [TCPConnection]
    init(_ connections: [TCPConnection]) { self.connections = connections }

    /// Reads every connection as bytes arrive, counting them in `received`, until `stop` is set
    /// (on the calling thread; a connection that closes is no longer polled).
    func read(counting received: borrowing Atomic<Int>, until stop: borrowing Atomic<Bool>) {
        var entries = connections.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        var scratch = [UInt8](repeating: 0, count: 256 * 1024)
        while !stop.load(ordering: .relaxed) {
            guard poll(&entries, nfds_t(entries.count), 100) > 0 else { continue }
            for index in entries.indices where entries[index].revents != 0 {
                let count = recv(entries[index].fd, &scratch, scratch.count, Int32(MSG_DONTWAIT))
                if count > 0 { received.add(count, ordering: .relaxed) }
                if count == 0 { entries[index].fd = -1 }
            }
        }
    }
}
