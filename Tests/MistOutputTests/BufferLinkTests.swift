import NIOCore
import NIOPosix
import Testing

@testable import MistOutput

#if canImport(Glibc)
    import Glibc
#endif

/// A publisher's frames reach the buffer even when it hangs up while the buffer is behind.
@Suite struct BufferLinkTests {
    @Test func whatWasForwardedReachesTheBufferAfterThePublisherLeaves() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        // The buffer's end of its push socket, and a publisher channel (its own socket pair).
        var link: [Int32] = [0, 0]
        var publisherEnds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &link) == 0)
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &publisherEnds) == 0)
        defer {
            close(link[1])
            close(publisherEnds[1])
        }
        let publisher = try ClientBootstrap(group: group).withConnectedSocket(publisherEnds[0]).wait()
        let buffer = try BufferLink.attach(link[0], publisher: publisher, gone: {}).wait()
        // Far more than the socket takes while the buffer does not read.
        let total = 8 << 20
        let piece = ByteBuffer(repeating: 0x5A, count: 64 << 10)
        try publisher.eventLoop.submit {
            for _ in 0..<(total / piece.readableBytes) { BufferLink.forward(piece, to: buffer, from: publisher) }
            BufferLink.finish(buffer)
        }.wait()
        // Only now does the buffer read: everything arrives, then the end.
        var received = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var entry = pollfd(fd: link[1], events: Int16(POLLIN), revents: 0)
        while poll(&entry, 1, 10_000) > 0 {
            let count = read(link[1], &chunk, chunk.count)
            if count <= 0 { break }
            received += count
        }
        #expect(received == total)
    }
}
