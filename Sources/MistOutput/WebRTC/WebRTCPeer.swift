import Logging
import MistCore
import MistData
import MistNet
import MistRTP
import MistShm
import MistStream
import MistTLS
import MistWebRTC
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One WebRTC viewer on a UDP channel of its own, on that channel's event loop: ICE-lite answers
/// the viewer's connectivity checks (which also pick the address media goes to), DTLS as the
/// passive side yields the SRTP keys, and then the viewer joins its stream's fan-out group. The
/// group's RTP (packetized once for every viewer) arrives here as interleaved records; each
/// packet gets this viewer's payload type and SSRC, is protected and sent. RTCP from the viewer
/// brings NACKs (answered from a cache of recent packets, references into the group's chunks),
/// picture loss (the viewer starts again at the next keyframe) and receiver reports.
final class WebRTCPeer: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// How this viewer gets each of the group's tracks, by muxer position.
    struct Track {
        var payloadType: UInt8
        var ssrc: UInt32
        var isVideo: Bool
    }

    /// Seconds without a valid connectivity check before the session ends (RFC 7675's consent).
    static let consentSeconds = 30.0
    /// Packets kept per track for retransmission.
    static let cacheSize = 1024
    /// The least time between two keyframe restarts asked by picture loss.
    static let restartSeconds = 1.0

    let id: String
    let credentials: ICECredentials
    private let remoteFingerprint: String
    private let engine: TLSEngine
    private let tracks: [Track]
    private let settings: WebRTCSettings
    /// Whether every candidate offered is a loopback address: checks then count only from
    /// loopback (no answer goes to another address of the machine).
    private let loopbackOnly: Bool
    private let logger: Logger
    private var playback: WebRTCPlayback?
    private var context: ChannelHandlerContext?
    private(set) var remote: SocketAddress?
    private var srtp: (outbound: SRTPSession, inbound: SRTPSession)?
    private var lastConsent = monotonicSeconds()
    private var lastRestart = monotonicSeconds()
    private var cache: [[ByteBuffer?]]
    private var timer: RepeatedTask?
    private var retransmitTimer: Scheduled<Void>?
    private var body: FanOutBody?
    private var viewer: FanOutViewer?
    /// Runs once when the session ends (to leave the service's table).
    var onClosed: (@Sendable () -> Void)?

    /// Counters for the statistics and the log.
    let sent = Atomic<Int64>(0)
    let retransmitted = Atomic<Int64>(0)
    let reportedLost = Atomic<Int64>(0)
    let dropped = Atomic<Int64>(0)

    init(
        id: String, credentials: ICECredentials, remoteFingerprint: String, engine: TLSEngine, tracks: [Track],
        settings: WebRTCSettings, loopbackOnly: Bool, playback: WebRTCPlayback, logger: Logger
    ) {
        self.loopbackOnly = loopbackOnly
        self.id = id
        self.credentials = credentials
        self.remoteFingerprint = remoteFingerprint.uppercased()
        self.engine = engine
        self.tracks = tracks
        self.settings = settings
        self.playback = playback
        self.logger = logger
        cache = tracks.map { _ in [ByteBuffer?](repeating: nil, count: Self.cacheSize) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            loopBound.value.checkConsent()
        }
    }

    // MARK: what arrives

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let buffer = envelope.data
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        // RFC 7983: the first byte tells STUN, DTLS and RTP/RTCP apart on one port.
        switch first {
        case 0...3: connectivityCheck(envelope.remoteAddress, Array(buffer.readableBytesView))
        case 20...63: handshake(envelope.remoteAddress, buffer)
        case 128...191: feedback(envelope.remoteAddress, Array(buffer.readableBytesView))
        default: dropped.add(1, ordering: .relaxed)
        }
    }

    /// A STUN binding request with this session's username and a valid integrity gets its
    /// success response; the address it came from becomes the media address when the viewer
    /// nominates it (or when none is chosen yet).
    private func connectivityCheck(_ address: SocketAddress, _ bytes: [UInt8]) {
        guard let message = try? STUNMessage(parsing: bytes), message.type == STUNMessage.bindingRequest,
            let username = message.username, username.hasPrefix(credentials.username + ":"),
            message.integrityIsValid(key: Array(credentials.password.utf8), hmac: { SHA1.hmac(key: $0, data: $1) }),
            message.attribute(STUNMessage.Attribute.fingerprint) == nil || message.fingerprintIsValid,
            let mapped = Self.addressBytes(address), let port = address.port,
            !loopbackOnly || Self.isLoopback(address.ipAddress ?? "")
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
        if remote == nil || message.useCandidate {
            if remote != address { logger.mist(.medium, "WebRTC session \(id): media to \(address)") }
            remote = address
        }
    }

    /// DTLS from the checked address: the handshake, then (only) alerts.
    private func handshake(_ address: SocketAddress, _ buffer: ByteBuffer) {
        guard address == remote else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        buffer.withUnsafeReadableBytes { engine.receive($0) }
        do {
            if !engine.isEstablished {
                if try engine.handshake() { try secured() }
            } else {
                var scratch = [UInt8](repeating: 0, count: 2048)
                while case .bytes = try scratch.withUnsafeMutableBytes({ try engine.read(into: $0) }) {}
                if case .closed = try scratch.withUnsafeMutableBytes({ try engine.read(into: $0) }) {
                    logger.mist(.medium, "WebRTC session \(id): the viewer closed DTLS")
                    flushHandshake()
                    return close()
                }
            }
        } catch {
            logger.mist(.warn, "WebRTC session \(id): DTLS failed: \(error)")
            flushHandshake()
            return close()
        }
        flushHandshake()
    }

    /// The handshake is done: the viewer's certificate must be the one its offer named; then
    /// SRTP is keyed and playback starts.
    private func secured() throws {
        guard let presented = engine.peerCertificateFingerprint, presented == remoteFingerprint else {
            throw WebRTCPeerError.fingerprintMismatch
        }
        let material = try engine.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 60)
        srtp = try SRTPSession.pair(keyingMaterial: material, isServer: true)
        retransmitTimer?.cancel()
        logger.mist(.medium, "WebRTC session \(id): DTLS done (\(engine.srtpProfile ?? "?")), playing")
        play()
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

    /// SRTCP from the viewer: NACKs, picture loss and receiver reports. Its RTP (a viewer that
    /// also sends) is not used here.
    private func feedback(_ address: SocketAddress, _ bytes: [UInt8]) {
        guard address == remote, let srtp, bytes.count >= 8, (192...223).contains(bytes[1]) else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        guard let plain = try? srtp.inbound.unprotect(bytes, rtcp: true) else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        let lost = RTCPReportBlock.blocks(in: plain[...]).reduce(Int64(0)) { $0 + max(0, Int64($1.cumulativeLost)) }
        if lost > 0 { reportedLost.store(lost, ordering: .relaxed) }
        for message in RTCPFeedback.messages(in: plain[...]) {
            switch message {
            case .nack(let ssrc, let sequences):
                guard !settings.nackDisabled, let position = tracks.firstIndex(where: { $0.ssrc == ssrc }) else {
                    continue
                }
                for sequence in sequences {
                    guard let packet = cache[position][Int(sequence) % Self.cacheSize],
                        packet.getInteger(at: packet.readerIndex + 2, as: UInt16.self) == sequence
                    else { continue }
                    protectAndSend(packet, position: position, rtcp: false)
                    retransmitted.add(1, ordering: .relaxed)
                }
                context?.flush()
            case .pictureLoss, .fullIntraRequest:
                // The group's packets cannot hold a fresh keyframe for one viewer: it starts
                // again at the next one the stream brings.
                guard let viewer, monotonicSeconds() - lastRestart >= Self.restartSeconds else { continue }
                lastRestart = monotonicSeconds()
                viewer.start(at: nil)
            }
        }
    }

    // MARK: what goes out

    /// The group's records: each RTP (even channel) or RTCP (odd) packet for this viewer.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var buffer = unwrapOutboundIn(data)
        guard srtp != nil, remote != nil else {
            promise?.succeed(())
            return
        }
        while buffer.readableBytes >= 4, buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == 0x24,
            let channel = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self),
            let length = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self).map(Int.init),
            buffer.readableBytes >= 4 + length
        {
            buffer.moveReaderIndex(forwardBy: 4)
            guard let packet = buffer.readSlice(length: length) else { break }
            let position = Int(channel / 2)
            guard tracks.indices.contains(position) else { continue }
            let rtcp = channel & 1 == 1
            if !rtcp, let sequence = packet.getInteger(at: packet.readerIndex + 2, as: UInt16.self) {
                cache[position][Int(sequence) % Self.cacheSize] = packet
            }
            protectAndSend(packet, position: position, rtcp: rtcp)
        }
        promise?.succeed(())
    }

    /// One packet with this viewer's payload type and SSRC, protected, to the viewer.
    private func protectAndSend(_ packet: ByteBuffer, position: Int, rtcp: Bool) {
        guard let context, let remote, let srtp, packet.readableBytes >= (rtcp ? 8 : 12) else { return }
        let track = tracks[position]
        let length = packet.readableBytes
        var out = context.channel.allocator.buffer(capacity: length + SRTPSession.maximumTrailer)
        out.writeImmutableBuffer(packet)
        out.writeRepeatingByte(0, count: SRTPSession.maximumTrailer)
        do {
            let protected = try out.withUnsafeMutableReadableBytes { raw -> Int in
                let ssrcAt = rtcp ? 4 : 8
                if !rtcp { raw[1] = raw[1] & 0x80 | track.payloadType }
                raw.storeBytes(of: track.ssrc.bigEndian, toByteOffset: ssrcAt, as: UInt32.self)
                return try srtp.outbound.protect(raw, length: length, rtcp: rtcp)
            }
            out.moveWriterIndex(to: out.readerIndex + protected)
        } catch {
            dropped.add(1, ordering: .relaxed)
            return
        }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: remote, data: out)), promise: nil)
        sent.add(1, ordering: .relaxed)
    }

    private func send(_ bytes: [UInt8], to address: SocketAddress) {
        guard let context else { return }
        let buffer = context.channel.allocator.buffer(bytes: bytes)
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: buffer)), promise: nil)
    }

    // MARK: playback and the end

    /// Joins the stream's WebRTC fan-out group (one per packet size and track set).
    private func play() {
        guard let playback, let context, let remote else { return }
        self.playback = nil
        let connection = ChannelConnection(
            channel: context.channel, relayedPeer: ChannelConnection.describe(remote), host: playback.host,
            packets: { [weak self] in
                guard let self else { return PacketCounts() }
                return PacketCounts(
                    total: sent.load(ordering: .relaxed), lost: reportedLost.load(ordering: .relaxed),
                    retransmitted: retransmitted.load(ordering: .relaxed))
            })
        let stats = ConnectionStats.open(
            connection, stream: playback.stream, host: playback.host, connector: "WebRTC",
            token: playback.admission.token, url: playback.url, userAgent: playback.userAgent)
        let payload = settings.maximumPacket - 12
        do {
            let tracks = playback.tracks
            let group = try LiveFanOutRegistry.join(
                stream: playback.stream, format: "WebRTC\(payload)", reader: playback.reader, tracks: tracks,
                home: context.eventLoop, logger: logger
            ) {
                try RTSPLiveMuxer(
                    tracks: tracks, channels: tracks.indices.map { UInt8($0 * 2) }, maximumPayload: payload)
            }
            let viewer = FanOutViewer(connection: connection, chunked: false, own: [])
            viewer.onClose = { [admission = playback.admission, stream = playback.stream] in
                admission.close(stream)
                ConnectionStats.close(stats)
            }
            viewer.onStreamEnd = { [admission = playback.admission, stream = playback.stream] in
                admission.stop(stream)
            }
            let body = FanOutBody(group: group, viewer: viewer)
            self.body = body
            self.viewer = viewer
            lastRestart = monotonicSeconds()
            body.start { _ in }
        } catch {
            logger.mist(.warn, "WebRTC session \(id) cannot play \(playback.stream): \(error)")
            ConnectionStats.close(stats)
            playback.admission.close(playback.stream)
            close()
        }
    }

    private func checkConsent() {
        if monotonicSeconds() - lastConsent > Self.consentSeconds {
            logger.mist(.medium, "WebRTC session \(id): no connectivity check for \(Int(Self.consentSeconds)) s")
            close()
        }
    }

    /// Ends the session (DELETE, lost consent, failure): the channel closes and the rest follows.
    func close() {
        context?.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        retransmitTimer?.cancel()
        if let body {
            body.channelClosed()
        } else if let playback {
            playback.admission.close(playback.stream)
        }
        body = nil
        viewer = nil
        playback = nil
        logger.mist(
            .medium,
            "WebRTC session \(id) ended: \(sent.load(ordering: .relaxed)) packets sent, \(retransmitted.load(ordering: .relaxed)) resent"
        )
        onClosed?()
        onClosed = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket reports ICMP errors (a viewer gone) here; consent ends the session.
        dropped.add(1, ordering: .relaxed)
    }

    /// Whether `host` is a loopback address (127.0.0.0/8, ::1, or IPv4 mapped into IPv6).
    static func isLoopback(_ host: String) -> Bool {
        host.hasPrefix("127.") || host == "::1" || host.hasPrefix("::ffff:127.")
    }

    /// The address bytes STUN's XOR-MAPPED-ADDRESS carries.
    static func addressBytes(_ address: SocketAddress) -> [UInt8]? {
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }
}
