import Logging
import MistCore
import MistSRT
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Carries every SRT connection of a listener to the event loops: each accepted connection gets
/// a local socket pair whose one end becomes an ordinary channel (so SRT viewers join the same
/// fan-out groups as HTTP viewers and publishers use the same ingest path as RTMP's), and one
/// thread moves the bytes between the other end and the SRT socket, waiting on both with
/// libsrt's readiness wait. Back-pressure passes through: a full SRT send buffer stops reading
/// the pair, and a full pair stops reading SRT.
final class SRTRelay: @unchecked Sendable {
    /// What the channel of a connection knows of its SRT side.
    struct Peer: Sendable {
        let socket: SRTSocket
        let streamID: String
    }

    /// One SRT connection and its end of the pair; touched on the relay thread only.
    private final class Link {
        let socket: SRTSocket
        let local: Int32
        /// Received over SRT, not yet taken by the pair.
        var toLocal: [UInt8] = []
        /// Read from the pair, not yet sent over SRT (whole TS packets go out, 7 per message).
        var toSRT: [UInt8] = []

        init(socket: SRTSocket, local: Int32) {
            self.socket = socket
            self.local = local
        }
    }

    /// Live SRT carries at most 1316 bytes (7 TS packets) per message.
    static let messageBytes = 1316
    private let listener: SRTSocket
    private let poller: SRTPoller
    private let logger: Logger
    private let pipeline: @Sendable (any Channel, Peer) throws -> Void
    private var links: [Int32: Link] = [:]
    private var byDescriptor: [Int32: Link] = [:]
    private let stopping = Atomic<Bool>(false)
    private var scratch = [UInt8](repeating: 0, count: 1500)

    init(
        listener: SRTSocket, logger: Logger, pipeline: @escaping @Sendable (any Channel, Peer) throws -> Void
    ) throws {
        self.listener = listener
        self.logger = logger
        self.pipeline = pipeline
        poller = try SRTPoller()
        try poller.add(listener, read: true, write: false)
    }

    /// Serves until `stop` (on its own thread).
    func start() {
        startDetachedThread { [self] in
            while !stopping.load(ordering: .relaxed) { serve(timeoutMilliseconds: 100) }
            for link in Array(links.values) { drop(link, reason: nil) }
            listener.close()
        }
    }

    func stop() { stopping.store(true, ordering: .relaxed) }

    private func serve(timeoutMilliseconds: Int) {
        for ready in poller.wait(timeoutMilliseconds: timeoutMilliseconds) {
            if let handle = ready.socket {
                if handle == listener.handle {
                    acceptAll()
                } else if let link = links[handle] {
                    if ready.readable { fromSRT(link) }
                    if ready.writable, links[handle] != nil { toSRT(link) }
                }
            } else if let descriptor = ready.descriptor, let link = byDescriptor[descriptor] {
                if ready.readable { fromLocal(link) }
                if ready.writable, byDescriptor[descriptor] != nil { toLocal(link) }
            }
        }
    }

    private func acceptAll() {
        while true {
            let socket: SRTSocket
            do {
                guard let accepted = try listener.acceptReady() else { return }
                socket = accepted
            } catch {
                logger.mist(.warn, "Accepting an SRT connection failed: \(error)")
                return
            }
            var pair: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
                logger.mist(.fail, "No socket pair for SRT \(socket.peer): \(String(cString: strerror(errno)))")
                socket.close()
                continue
            }
            _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
            socket.setNonBlocking()
            let link = Link(socket: socket, local: pair[0])
            do {
                try poller.add(socket, read: true, write: false)
                try poller.add(descriptor: link.local, read: true, write: false)
            } catch {
                logger.mist(.fail, "Cannot watch SRT \(socket.peer): \(error)")
                socket.close()
                close(pair[0])
                close(pair[1])
                continue
            }
            links[socket.handle] = link
            byDescriptor[link.local] = link
            let peer = Peer(socket: socket, streamID: socket.streamID)
            let (pipeline, logger, otherEnd) = (self.pipeline, self.logger, pair[1])
            ClientBootstrap(group: OutputEventLoops.group)
                .channelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 64 * 1024, high: 256 * 1024))
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try pipeline(channel, peer) } }
                .withConnectedSocket(otherEnd)
                .whenFailure { error in
                    // The pair's other end then reads end-of-file and the link goes.
                    logger.mist(.warn, "SRT \(socket.peer) could not be served: \(error)")
                    close(otherEnd)
                }
        }
    }

    /// SRT → pair, until SRT has nothing more or the pair is full.
    private func fromSRT(_ link: Link) {
        guard link.toLocal.isEmpty else { return }
        while true {
            switch link.socket.receive(into: &scratch) {
            case .none: return
            case .closed: return drop(link, reason: "closed")
            case .bytes(let count):
                let written = scratch.withUnsafeBytes { write(link.local, $0.baseAddress, count) }
                if written == count { continue }
                if written < 0 && errno != EAGAIN && errno != EINTR { return drop(link, reason: "pair closed") }
                link.toLocal = Array(scratch[max(0, written)..<count])
                poller.update(link.socket, read: false, write: !link.toSRT.isEmpty)
                poller.update(descriptor: link.local, read: true, write: true)
                return
            }
        }
    }

    /// What waited for the pair, then SRT again.
    private func toLocal(_ link: Link) {
        let written = link.toLocal.withUnsafeBytes { write(link.local, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno != EAGAIN && errno != EINTR { drop(link, reason: "pair closed") }
            return
        }
        link.toLocal.removeFirst(written)
        guard link.toLocal.isEmpty else { return }
        poller.update(descriptor: link.local, read: link.toSRT.count < 64 * 1024, write: false)
        poller.update(link.socket, read: true, write: !link.toSRT.isEmpty)
        fromSRT(link)
    }

    /// Pair → SRT.
    private func fromLocal(_ link: Link) {
        let count = scratch.withUnsafeMutableBytes { read(link.local, $0.baseAddress, $0.count) }
        if count == 0 { return drop(link, reason: nil) }
        if count < 0 {
            if errno != EAGAIN && errno != EINTR { drop(link, reason: nil) }
            return
        }
        link.toSRT.append(contentsOf: scratch[0..<count])
        toSRT(link)
    }

    /// Sends what waits in whole TS packets; when SRT's buffer is full, waits for it to drain
    /// and stops reading the pair meanwhile.
    private func toSRT(_ link: Link) {
        var sent = 0
        var full = false
        while link.toSRT.count - sent >= 188 {
            let size = min(Self.messageBytes, (link.toSRT.count - sent) / 188 * 188)
            let result = link.toSRT.withUnsafeBytes { raw in
                link.socket.send(UnsafeRawBufferPointer(rebasing: raw[sent..<(sent + size)]))
            }
            if result == .closed { return drop(link, reason: "closed") }
            if result == .full {
                full = true
                break
            }
            sent += size
        }
        link.toSRT.removeFirst(sent)
        poller.update(link.socket, read: link.toLocal.isEmpty, write: full)
        poller.update(descriptor: link.local, read: !full && link.toSRT.count < 64 * 1024, write: !link.toLocal.isEmpty)
    }

    private func drop(_ link: Link, reason: String?) {
        guard links[link.socket.handle] === link else { return }
        links[link.socket.handle] = nil
        byDescriptor[link.local] = nil
        poller.remove(link.socket)
        poller.remove(descriptor: link.local)
        if let reason { logger.mist(.medium, "SRT \(link.socket.peer) \(reason)") }
        // The channel reads end-of-file and ends the session; the socket's counters stay readable.
        close(link.local)
        link.socket.close()
    }
}
