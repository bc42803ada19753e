import Foundation
import MistSRT
import Synchronization

/// SRT players for the fan-out benchmark: `count` callers asking for the `bench` stream
/// (`#!::r=bench,m=request`; MistServer takes the plain `bench`), read on one thread through libsrt's readiness wait.
enum SRTBenchViewers {
    static func watch(
        count: Int, port: Int, seconds: Double, streamID: String = "#!::r=bench,m=request",
        phase: (BenchClient.Phase) -> Void
    ) throws -> BenchClient.Result {
        var sockets: [SRTSocket] = []
        for _ in 0..<count {
            guard
                let socket = try? SRTSocket.connect(
                    host: "127.0.0.1", port: UInt16(port), options: ["streamid": streamID])
            else { continue }
            socket.setNonBlocking()
            sockets.append(socket)
        }
        let poller = try SRTPoller()
        for socket in sockets { try poller.add(socket, read: true, write: false) }
        let byHandle = Dictionary(uniqueKeysWithValues: sockets.map { ($0.handle, $0) })
        let bytes = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        let finished = Atomic<Bool>(false)
        let box = SRTSocketsBox(poller: poller, sockets: byHandle)
        Thread.detachNewThread {
            var buffer: [UInt8] = []
            while !stopping.load(ordering: .relaxed) {
                for ready in box.poller.wait(timeoutMilliseconds: 100) {
                    guard let handle = ready.socket, let socket = box.sockets[handle] else { continue }
                    reading: while true {
                        switch socket.receive(into: &buffer) {
                        case .bytes(let count): bytes.add(count, ordering: .relaxed)
                        case .none: break reading
                        case .closed:
                            box.poller.remove(socket)
                            break reading
                        }
                    }
                }
            }
            finished.store(true, ordering: .relaxed)
        }
        var result = BenchClient.sample(seconds: seconds, bytes: { bytes.load(ordering: .relaxed) }, phase: phase)
        result.connected = sockets.filter(\.isConnected).count
        stopping.store(true, ordering: .relaxed)
        while !finished.load(ordering: .relaxed) { usleep(10_000) }
        for socket in sockets { socket.close() }
        return result
    }
}

/// What the reader thread of the SRT players uses.
final class SRTSocketsBox: @unchecked Sendable {
    let poller: SRTPoller
    let sockets: [Int32: SRTSocket]
    init(poller: SRTPoller, sockets: [Int32: SRTSocket]) {
        self.poller = poller
        self.sockets = sockets
    }
}
