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

/// One WebRTC viewer on a UDP channel of its own, on that channel's event loop: once its
/// transport (`WebRTCTransport`) is secure, the viewer joins its stream's fan-out group. The
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

    /// Packets kept per track for retransmission.
    static let cacheSize = 1024
    /// The least time between two keyframe restarts asked by picture loss.
    static let restartSeconds = 1.0

    let transport: WebRTCTransport
    var id: String { transport.id }
    private let tracks: [Track]
    private let settings: WebRTCSettings
    private let logger: Logger
    private var playback: WebRTCPlayback?
    private var context: ChannelHandlerContext?
    private var lastRestart = monotonicSeconds()
    private var cache: [[ByteBuffer?]]
    private var timer: RepeatedTask?
    private var checkTimer: RepeatedTask?
    private var body: FanOutBody?
    private var viewer: FanOutViewer?
    /// Runs once when the session ends (to leave the service's table).
    var onClosed: (@Sendable () -> Void)?

    /// Counters for the statistics and the log.
    let sent = Atomic<Int64>(0)
    let sentBytes = Atomic<Int64>(0)
    let retransmitted = Atomic<Int64>(0)
    let reportedLost = Atomic<Int64>(0)
    /// The viewer's last REMB: the bitrate it estimates it can take (bits per second).
    let estimatedBitrate = Atomic<UInt64>(0)

    init(
        transport: WebRTCTransport, tracks: [Track], settings: WebRTCSettings, playback: WebRTCPlayback,
        logger: Logger
    ) {
        self.transport = transport
        self.tracks = tracks
        self.settings = settings
        self.playback = playback
        self.logger = logger
        cache = tracks.map { _ in [ByteBuffer?](repeating: nil, count: Self.cacheSize) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        transport.context = context
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            loopBound.value.checkConsent()
        }
        if transport.isInitiator {
            checkTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(50)) { _ in
                loopBound.value.transport.sendChecks()
            }
        }
    }

    // MARK: what arrives

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch transport.receive(unwrapInboundIn(data)) {
        case .secured: play()
        case .ended(let reason):
            logger.mist(.medium, "WebRTC session \(id): \(reason)")
            close()
        case .rtcp(let plain): feedback(plain)
        case .rtp, .nothing: break
        }
    }

    /// RTCP from the viewer: NACKs, picture loss and receiver reports.
    private func feedback(_ plain: [UInt8]) {
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
            case .estimatedBitrate(let bits, _):
                estimatedBitrate.store(bits, ordering: .relaxed)
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
        guard transport.srtp != nil, transport.remote != nil else {
            promise?.succeed(())
            return
        }
        while let (channel, packet) = InterleavedRecord.read(&buffer) {
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
        guard let context, let remote = transport.remote, let srtp = transport.srtp,
            packet.readableBytes >= (rtcp ? 8 : 12)
        else { return }
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
            transport.dropped.add(1, ordering: .relaxed)
            return
        }
        sentBytes.add(Int64(out.readableBytes), ordering: .relaxed)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: remote, data: out)), promise: nil)
        sent.add(1, ordering: .relaxed)
    }

    // MARK: playback and the end

    /// Joins the stream's WebRTC fan-out group (one per packet size and track set).
    private func play() {
        guard let playback, let context, let remote = transport.remote else { return }
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
            token: playback.admission?.token ?? "", url: playback.url, userAgent: playback.userAgent)
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
                admission?.close(stream)
                ConnectionStats.close(stats)
            }
            viewer.onStreamEnd = { [weak self, admission = playback.admission, stream = playback.stream] in
                admission?.stop(stream)
                // A push ends with its stream.
                if admission == nil { self?.close() }
            }
            let body = FanOutBody(group: group, viewer: viewer)
            self.body = body
            self.viewer = viewer
            lastRestart = monotonicSeconds()
            body.start { _ in }
        } catch {
            logger.mist(.warn, "WebRTC session \(id) cannot play \(playback.stream): \(error)")
            ConnectionStats.close(stats)
            playback.admission?.close(playback.stream)
            close()
        }
    }

    private func checkConsent() {
        if transport.consentExpired {
            logger.mist(
                .medium, "WebRTC session \(id): no connectivity check for \(Int(WebRTCTransport.consentSeconds)) s")
            close()
        }
    }

    /// Ends the session (DELETE, lost consent, failure): the channel closes and the rest follows.
    func close() {
        context?.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        checkTimer?.cancel()
        transport.stop()
        if let body {
            body.channelClosed()
        } else if let playback {
            playback.admission?.close(playback.stream)
        }
        body = nil
        viewer = nil
        playback = nil
        logger.mist(
            .medium,
            "WebRTC session \(id) ended: \(sent.load(ordering: .relaxed)) packets sent, \(retransmitted.load(ordering: .relaxed)) resent, \(reportedLost.load(ordering: .relaxed)) reported lost, last bitrate estimate \(estimatedBitrate.load(ordering: .relaxed)) bit/s"
        )
        onClosed?()
        onClosed = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket reports ICMP errors (a viewer gone) here; consent ends the session.
        transport.dropped.add(1, ordering: .relaxed)
    }
}
