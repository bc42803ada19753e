import MistNet
import MistRTP
import NIOCore
import NIOEmbedded
import Testing

@testable import MistOutput

@Suite struct InterleavedDatagramSenderTests {
    @Test func eachInterleavedRecordBecomesADatagramToItsChannelsPort() throws {
        let video = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        let audio = try SocketAddress(ipAddress: "127.0.0.1", port: 5002)
        let sender = InterleavedDatagramSender(destinations: [0: video, 2: audio])
        let channel = EmbeddedChannel(handler: sender)
        // Video, then audio split across two writes, then a channel nobody set up.
        var first = channel.allocator.buffer(bytes: [0x24, 0, 0, 3, 1, 2, 3, 0x24, 2, 0, 2, 9])
        try channel.writeAndFlush(first).wait()
        first = channel.allocator.buffer(bytes: [8, 0x24, 4, 0, 1, 7])
        try channel.writeAndFlush(first).wait()
        let one = try #require(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self))
        #expect(one.remoteAddress == video && Array(one.data.readableBytesView) == [1, 2, 3])
        let two = try #require(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self))
        #expect(two.remoteAddress == audio && Array(two.data.readableBytesView) == [9, 8])
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)
        #expect(sender.sent.load(ordering: .relaxed) == 2)
        // The player's receiver reports: the newest per source counts.
        sender.report([
            .init(ssrc: 1, fractionLost: 0, cumulativeLost: 3, highestSequence: 10, jitter: 0),
            .init(ssrc: 2, fractionLost: 0, cumulativeLost: -1, highestSequence: 10, jitter: 0),
        ])
        sender.report([.init(ssrc: 1, fractionLost: 0, cumulativeLost: 4, highestSequence: 20, jitter: 0)])
        #expect(sender.packets == PacketCounts(total: 2, lost: 4))
    }

    @Test func transportPortsAreReadAndBounded() {
        #expect(RTSPOutputHandler.clientPorts("RTP/AVP;unicast;client_port=5000-5001")! == (5000, 5001))
        #expect(RTSPOutputHandler.clientPorts("RTP/AVP;unicast;client_port=6000")! == (6000, 6001))
        #expect(RTSPOutputHandler.clientPorts("RTP/AVP;unicast;client_port=0-1") == nil)
        #expect(RTSPOutputHandler.clientPorts("RTP/AVP;unicast;client_port=99999-100000") == nil)
        #expect(RTSPOutputHandler.clientPorts("RTP/AVP/TCP;interleaved=0-1") == nil)
    }
}
