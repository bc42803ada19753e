import Logging
import MistRTP
import MistTLS
import MistWebRTC
import NIOCore
import NIOEmbedded
import Testing

@testable import MistOutput

/// A session's transport on an embedded datagram channel, against a client made of the same
/// pieces a WebRTC peer has: ICE checks answered only with the right credentials (and only
/// from loopback when the candidates are loopback), a DTLS handshake that keys SRTP on both
/// sides, and SRTCP from the peer read back.
@Suite struct WebRTCTransportTests {
    final class Probe: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let transport: WebRTCTransport
        var arrivals: [WebRTCTransport.Arrival] = []

        init(_ transport: WebRTCTransport) { self.transport = transport }

        func handlerAdded(context: ChannelHandlerContext) { transport.context = context }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            arrivals.append(transport.receive(unwrapInboundIn(data)))
        }
    }

    static func check(username: String, password: String, nominate: Bool) -> [UInt8] {
        STUNMessage.encode(
            type: STUNMessage.bindingRequest, transactionID: Array(0..<12),
            attributes: [(STUNMessage.Attribute.username, Array(username.utf8))]
                + (nominate ? [(STUNMessage.Attribute.useCandidate, [])] : []),
            integrityKey: Array(password.utf8), hmac: { SHA1.hmac(key: $0, data: $1) })
    }

    @Test func checksHandshakeAndFeedback() throws {
        let serverContext = try TLSContext.datagram(isServer: true)
        let clientContext = try TLSContext.datagram(isServer: false)
        let credentials = ICECredentials(username: "srvr", password: "0123456789abcdefghijkl")
        let transport = WebRTCTransport(
            id: "t", credentials: credentials, remoteFingerprint: clientContext.fingerprint,
            engine: try TLSEngine(context: serverContext), loopbackOnly: true, logger: Logger(label: "test"))
        let probe = Probe(transport)
        let channel = EmbeddedChannel(handler: probe)
        let peer = try SocketAddress(ipAddress: "127.0.0.1", port: 40000)
        let stranger = try SocketAddress(ipAddress: "192.0.2.9", port: 40000)
        func deliver(_ bytes: [UInt8], from: SocketAddress = peer) throws {
            try channel.writeInbound(
                AddressedEnvelope(remoteAddress: from, data: channel.allocator.buffer(bytes: bytes)))
        }
        func sent() throws -> [AddressedEnvelope<ByteBuffer>] {
            var out: [AddressedEnvelope<ByteBuffer>] = []
            while let next = try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) { out.append(next) }
            return out
        }

        // Wrong password, another session's username, a non-loopback source: no answer.
        try deliver(Self.check(username: "srvr:peer", password: "wrongwrongwrongwrongwr", nominate: true))
        try deliver(Self.check(username: "othr:peer", password: credentials.password, nominate: true))
        try deliver(Self.check(username: "srvr:peer", password: credentials.password, nominate: true), from: stranger)
        #expect(try sent().isEmpty)
        #expect(transport.remote == nil)
        // The right check: a success answer with the peer's address, integrity and fingerprint.
        try deliver(Self.check(username: "srvr:peer", password: credentials.password, nominate: true))
        let answers = try sent()
        #expect(answers.count == 1 && answers.first?.remoteAddress == peer)
        let answer = try STUNMessage(parsing: Array(try #require(answers.first).data.readableBytesView))
        #expect(answer.type == STUNMessage.bindingSuccess)
        #expect(answer.xorMappedAddress?.port == 40000 && answer.xorMappedAddress?.address == [127, 0, 0, 1])
        #expect(answer.integrityIsValid(key: Array(credentials.password.utf8)) { SHA1.hmac(key: $0, data: $1) })
        #expect(answer.fingerprintIsValid)
        #expect(transport.remote == peer)

        // DTLS: the client's flights in, the server's out, until both are done.
        let client = try TLSEngine(context: clientContext)
        _ = try client.handshake()
        var rounds = 0
        while !client.isEstablished && rounds < 10 {
            rounds += 1
            for datagram in DTLSRecords.datagrams(client.takeOutput(), maximum: 1200) { try deliver(datagram) }
            for reply in try sent() {
                reply.data.withUnsafeReadableBytes { client.receive($0) }
                _ = try client.handshake()
            }
        }
        #expect(client.isEstablished)
        #expect(probe.arrivals.contains { if case .secured = $0 { true } else { false } })
        let keys = try SRTPSession.pair(
            keyingMaterial: try client.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 60), isServer: false)

        // SRTCP from the peer comes out decrypted; a forged packet does not.
        let pli = RTCPFeedback.pictureLossPacket(sender: 1, ssrc: 2)
        try deliver(try keys.outbound.protect(pli, rtcp: true))
        guard case .rtcp(let plain) = probe.arrivals.last else {
            Issue.record("no RTCP arrival: \(probe.arrivals)")
            return
        }
        #expect(plain == pli)
        let count = probe.arrivals.count
        try deliver(pli + Array(repeating: 0, count: 14))
        if case .rtcp = probe.arrivals.last, probe.arrivals.count > count { Issue.record("a forged packet was read") }
        // What the server sends the peer reads.
        transport.sendControl(RTCPFeedback.nackPacket(sender: 3, ssrc: 4, sequences: [7]))
        let control = try #require(try sent().last)
        #expect(
            try keys.inbound.unprotect(Array(control.data.readableBytesView), rtcp: true)
                == RTCPFeedback.nackPacket(sender: 3, ssrc: 4, sequences: [7]))
    }
}
