import Logging
import MistCore
import MistRTP
import MistStream
import MistTLS
import MistWebRTC
import NIOCore
import Synchronization

/// A WebRTC session's transport on its UDP channel, on that channel's event loop, for a viewer
/// and a publisher alike: ICE-lite answers the peer's connectivity checks (which also pick the
/// address everything goes to), DTLS as the passive side yields the SRTP keys, and SRTP(C) from
/// the peer is checked and decrypted. RFC 7983's first byte tells the three apart on one port.
/// When this server pushes to a WHIP server (`Initiator`), it is the controlling ICE agent
/// instead: it checks the server's candidates (nominating the first that answers), takes the
/// DTLS side the answer left it (usually the client), and goes on checking that address as
/// consent (RFC 7675).
final class WebRTCTransport: @unchecked Sendable {
    /// What a datagram brought.
    enum Arrival {
        case nothing
        /// DTLS finished and SRTP is keyed: media may flow.
        case secured
        /// The peer closed DTLS, or it failed: the session ends.
        case ended(String)
        /// A decrypted RTP packet or RTCP compound from the peer.
        case rtp([UInt8])
        case rtcp([UInt8])
    }

    /// Seconds without a valid connectivity check before the session ends (RFC 7675's consent).
    static let consentSeconds = 30.0

    /// The side that starts: the remote's credentials and candidates, as its answer gave them.
    struct Initiator {
        var username: String
        var password: String
        var candidates: [SocketAddress]
        /// ICE-CONTROLLING's tie-breaker.
        var tieBreaker = UInt64.random(in: 0...UInt64.max)
    }

    let id: String
    let credentials: ICECredentials
    private let remoteFingerprint: String
    private let engine: TLSEngine
    /// Whether every candidate offered is a loopback address: checks then count only from
    /// loopback (no answer goes to another address of the machine).
    private let loopbackOnly: Bool
    private let logger: Logger
    /// The channel's context, set by the handler that owns this transport.
    var context: ChannelHandlerContext?
    private(set) var remote: SocketAddress?
    private(set) var srtp: (outbound: SRTPSession, inbound: SRTPSession)?
    private(set) var lastConsent = monotonicSeconds()
    private var retransmitTimer: Scheduled<Void>?
    private let initiator: Initiator?
    /// Checks sent and not yet answered, by transaction ID: the address each went to.
    private var pendingChecks: [[UInt8]: SocketAddress] = [:]
    private var lastCheck = 0.0
    /// Datagrams that were not for this session, or did not check out.
    let dropped = Atomic<Int64>(0)

    init(
        id: String, credentials: ICECredentials, remoteFingerprint: String, engine: TLSEngine, loopbackOnly: Bool,
        initiator: Initiator? = nil, logger: Logger
    ) {
        self.initiator = initiator
        self.id = id
        self.credentials = credentials
        self.remoteFingerprint = remoteFingerprint.uppercased()
        self.engine = engine
        self.loopbackOnly = loopbackOnly
        self.logger = logger
    }

    /// Whether the peer's consent ran out.
    var consentExpired: Bool { monotonicSeconds() - lastConsent > Self.consentSeconds }

    func receive(_ envelope: AddressedEnvelope<ByteBuffer>) -> Arrival {
        let buffer = envelope.data
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .nothing }
        switch first {
        case 0...3:
            connectivityCheck(envelope.remoteAddress, Array(buffer.readableBytesView))
            return .nothing
        case 20...63:
            return handshake(envelope.remoteAddress, buffer)
        case 128...191:
            return media(envelope.remoteAddress, Array(buffer.readableBytesView))
        default:
            dropped.add(1, ordering: .relaxed)
            return .nothing
        }
    }

    /// Whether this side starts ICE and DTLS (a push to a WHIP server).
    var isInitiator: Bool { initiator != nil }

    /// The initiator's checks, called often (every 50 ms): every candidate every half second
    /// until one answers, then that address every 2.5 s (consent).
    func sendChecks() {
        guard let initiator else { return }
        let now = monotonicSeconds()
        guard now - lastCheck >= (remote == nil ? 0.5 : 2.5) else { return }
        lastCheck = now
        if pendingChecks.count > 64 { pendingChecks.removeAll() }
        for address in remote.map({ [$0] }) ?? initiator.candidates {
            let transaction = (0..<12).map { _ in UInt8.random(in: 0...255) }
            var tieBreaker: [UInt8] = []
            for shift in stride(from: 56, through: 0, by: -8) {
                tieBreaker.append(UInt8(truncatingIfNeeded: initiator.tieBreaker >> UInt64(shift)))
            }
            // A peer-reflexive candidate's priority (type preference 110), as RFC 8445 7.1.1 asks.
            let priority: UInt32 = 110 << 24 | 65535 << 8 | 255
            let request = STUNMessage.encode(
                type: STUNMessage.bindingRequest, transactionID: transaction,
                attributes: [
                    (STUNMessage.Attribute.username, Array("\(initiator.username):\(credentials.username)".utf8)),
                    (STUNMessage.Attribute.iceControlling, tieBreaker),
                    (STUNMessage.Attribute.priority, [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: priority >> $0) }),
                    (STUNMessage.Attribute.useCandidate, []),
                ], integrityKey: Array(initiator.password.utf8), hmac: { SHA1.hmac(key: $0, data: $1) })
            pendingChecks[transaction] = address
            send(request, to: address)
        }
    }

    /// A success response to one of the initiator's checks: the first picks the media address
    /// and, when this side is the DTLS client, starts the handshake.
    private func checkAnswered(_ address: SocketAddress, _ message: STUNMessage) {
        let transaction = Array(message.transactionID)
        guard let initiator, let asked = pendingChecks.removeValue(forKey: transaction), asked == address,
            message.integrityIsValid(key: Array(initiator.password.utf8), hmac: { SHA1.hmac(key: $0, data: $1) })
        else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        lastConsent = monotonicSeconds()
        guard remote == nil else { return }
        remote = address
        logger.mist(.medium, "WebRTC session \(id): media with \(address)")
        // As the DTLS server (the answer said `a=setup:active`), the peer's ClientHello starts it.
        guard !engine.isServer else { return }
        do {
            _ = try engine.handshake()
        } catch {
            logger.mist(.warn, "WebRTC session \(id): DTLS could not start: \(error)")
        }
        flushHandshake()
    }

    /// A STUN binding request with this session's username and a valid integrity gets its
    /// success response; the address it came from becomes the media address when the peer
    /// nominates it (or when none is chosen yet).
    private func connectivityCheck(_ address: SocketAddress, _ bytes: [UInt8]) {
        if initiator != nil, let message = try? STUNMessage(parsing: bytes), message.type == STUNMessage.bindingSuccess
        {
            checkAnswered(address, message)
            return
        }
        guard let message = try? STUNMessage(parsing: bytes), message.type == STUNMessage.bindingRequest,
            let username = message.username, username.hasPrefix(credentials.username + ":"),
            message.integrityIsValid(key: Array(credentials.password.utf8), hmac: { SHA1.hmac(key: $0, data: $1) }),
            message.attribute(STUNMessage.Attribute.fingerprint) == nil || message.fingerprintIsValid,
            let mapped = Self.addressBytes(address), let port = address.port,
            !loopbackOnly || PushPolicy.isLoopback(address.ipAddress ?? "")
        else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        let transaction = Array(message.transactionID)
        let response = STUNMessage.encode(
            type: STUNMessage.bindingSuccess, transactionID: transaction,
            attributes: [
                (
                    STUNMessage.Attribute.xorMappedAddress,
                    STUNMessage.xorMappedAddress(
                        address: mapped, port: UInt16(clamping: port), transactionID: transaction)
                )
            ], integrityKey: Array(credentials.password.utf8), hmac: { SHA1.hmac(key: $0, data: $1) })
        send(response, to: address)
        lastConsent = monotonicSeconds()
        // The initiator's own checks pick its address; the peer's only answer them.
        if initiator == nil && (remote == nil || message.useCandidate) {
            if remote != address { logger.mist(.medium, "WebRTC session \(id): media with \(address)") }
            remote = address
        }
    }

    /// DTLS from the checked address: the handshake, then (only) alerts.
    private func handshake(_ address: SocketAddress, _ buffer: ByteBuffer) -> Arrival {
        guard address == remote else {
            dropped.add(1, ordering: .relaxed)
            return .nothing
        }
        buffer.withUnsafeReadableBytes { engine.receive($0) }
        var arrival = Arrival.nothing
        do {
            if !engine.isEstablished {
                if try engine.handshake() {
                    try secure()
                    arrival = .secured
                }
            } else {
                var scratch = [UInt8](repeating: 0, count: 2048)
                while case .bytes = try scratch.withUnsafeMutableBytes({ try engine.read(into: $0) }) {}
                if case .closed = try scratch.withUnsafeMutableBytes({ try engine.read(into: $0) }) {
                    arrival = .ended("the peer closed DTLS")
                }
            }
        } catch {
            arrival = .ended("DTLS failed: \(error)")
        }
        flushHandshake()
        return arrival
    }

    /// The handshake is done: the peer's certificate must be the one its offer named; then SRTP
    /// is keyed.
    private func secure() throws {
        guard let presented = engine.peerCertificateFingerprint, presented == remoteFingerprint else {
            throw WebRTCPeerError.fingerprintMismatch
        }
        let material = try engine.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 60)
        srtp = try SRTPSession.pair(keyingMaterial: material, isServer: engine.isServer)
        retransmitTimer?.cancel()
        logger.mist(.medium, "WebRTC session \(id): DTLS done (\(engine.srtpProfile ?? "?"))")
    }

    /// Sends what OpenSSL wrote, in datagrams of whole records, and arms its retransmission.
    private func flushHandshake() {
        guard let remote else { return }
        for datagram in DTLSRecords.datagrams(engine.takeOutput(), maximum: 1200) {
            send(datagram, to: remote)
        }
        retransmitTimer?.cancel()
        guard !engine.isEstablished, let delay = engine.retransmitDelayMilliseconds, let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        retransmitTimer = context.eventLoop.scheduleTask(in: .milliseconds(Int64(max(delay, 10)))) {
            loopBound.value.engine.handleRetransmitTimer()
            loopBound.value.flushHandshake()
        }
    }

    /// SRTP or SRTCP from the checked address, decrypted.
    private func media(_ address: SocketAddress, _ bytes: [UInt8]) -> Arrival {
        guard address == remote, let srtp, bytes.count >= 8 else {
            dropped.add(1, ordering: .relaxed)
            return .nothing
        }
        // RFC 5761: payload types 64-95 (with the marker bit, 192-223) are RTCP's.
        let isRTCP = (192...223).contains(bytes[1])
        guard let plain = try? srtp.inbound.unprotect(bytes, rtcp: isRTCP) else {
            dropped.add(1, ordering: .relaxed)
            return .nothing
        }
        return isRTCP ? .rtcp(plain) : .rtp(plain)
    }

    /// An RTCP compound of this side's, protected, to the peer.
    func sendControl(_ packet: [UInt8]) {
        guard let srtp, let remote, let protected = try? srtp.outbound.protect(packet, rtcp: true) else { return }
        send(protected, to: remote)
    }

    func send(_ bytes: [UInt8], to address: SocketAddress) {
        guard let context else { return }
        let buffer = context.channel.allocator.buffer(bytes: bytes)
        context.writeAndFlush(NIOAny(AddressedEnvelope(remoteAddress: address, data: buffer)), promise: nil)
    }

    func stop() {
        retransmitTimer?.cancel()
        context = nil
    }

    /// The address bytes STUN's XOR-MAPPED-ADDRESS carries.
    static func addressBytes(_ address: SocketAddress) -> [UInt8]? {
        switch address {
        case .v4(let v4): return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6): return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default: return nil
        }
    }
}
