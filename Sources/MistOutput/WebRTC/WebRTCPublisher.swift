import Logging
import MistCore
import MistNet
import MistRTP
import MistRTSP
import MistStream
import NIOCore
import Synchronization

/// One WebRTC publisher (WHIP) on a UDP channel of its own, on that channel's event loop: once
/// its transport is secure, its RTP is put back in order per track (NACKing what is missing,
/// asking for a keyframe with PLI when a gap is given up on), depacketized by `RTSPRecording`
/// (H.264 and Opus, the same conversion RTSP pushes get) and written as DTSC into the stream's
/// buffer, as RTMP and RTSP pushes are. Every second the publisher gets a receiver report of
/// each track and, for video, a REMB of the bitrate this server takes (as MistServer sends).
final class WebRTCPublisher: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    /// The least time between two keyframe requests.
    static let keyframeRequestSeconds = 0.5
    /// The video bitrate REMB allows a publisher (MistServer's default).
    static let videoBitrate: UInt64 = 6_000_000

    let transport: WebRTCTransport
    var id: String { transport.id }
    let stream: String
    private var recording: RTSPRecording
    /// Payload type → track of the recording (whose interleaved channel is twice its index).
    private let tracks: [UInt8: Int]
    private let videoTracks: Set<Int>
    private var reorder: [Int: RTPReorderBuffer<[UInt8]>] = [:]
    /// Packets NACKed after this many newer ones, given up after `dropAfter`.
    private let nackAfter: Int
    private let dropAfter: Int
    private var reception: [Int: RTPReceptionStatistics] = [:]
    /// Each track's SSRC, as its packets name it (NACK and PLI address it).
    private var ssrcs: [Int: UInt32] = [:]
    private let senderSSRC = UInt32.random(in: 1...UInt32.max)
    private var lastKeyframeRequest = 0.0
    private let peerHost: String
    private let token: String
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var timer: RepeatedTask?
    private var buffer: (any Channel)?
    private var stats: Int?
    private var closed = false
    private var rtpErrors = 0
    /// Runs once when the session ends (to leave the service's table).
    var onClosed: (@Sendable () -> Void)?

    let received = Atomic<Int64>(0)
    let lost = Atomic<Int64>(0)
    let nacked = Atomic<Int64>(0)

    init(
        transport: WebRTCTransport, stream: String, recording: RTSPRecording, tracks: [UInt8: Int],
        videoTracks: Set<Int>, peerHost: String, token: String, reorder: (nackAfter: Int, dropAfter: Int) = (5, 30),
        logger: Logger
    ) {
        nackAfter = reorder.nackAfter
        dropAfter = reorder.dropAfter
        self.transport = transport
        self.stream = stream
        self.recording = recording
        self.tracks = tracks
        self.videoTracks = videoTracks
        self.peerHost = peerHost
        self.token = token
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        transport.context = context
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            let publisher = loopBound.value
            if publisher.transport.consentExpired {
                publisher.logger.mist(.medium, "WebRTC publisher \(publisher.id): consent ran out")
                publisher.close()
                return
            }
            publisher.sendReports()
        }
    }

    /// The buffer's link, once attached (on this loop).
    func attached(_ buffer: any Channel) {
        guard !closed, let context else {
            BufferLink.finish(buffer)
            return
        }
        self.buffer = buffer
        let connection = ChannelConnection(
            channel: context.channel, relayedPeer: transport.remote.map(ChannelConnection.describe) ?? peerHost,
            host: peerHost,
            packets: { [weak self] in
                guard let self else { return PacketCounts() }
                return PacketCounts(
                    total: received.load(ordering: .relaxed), lost: lost.load(ordering: .relaxed),
                    retransmitted: nacked.load(ordering: .relaxed))
            })
        stats = ConnectionStats.open(
            connection, kind: "input", stream: stream, host: peerHost, connector: "WebRTC", token: token)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch transport.receive(unwrapInboundIn(data)) {
        case .secured:
            logger.mist(.info, "WebRTC push from \(peerHost) into \(stream)")
        case .ended(let reason):
            logger.mist(.medium, "WebRTC publisher \(id): \(reason)")
            close()
        case .rtp(let packet): media(packet)
        case .rtcp, .nothing: break
        }
    }

    private func media(_ packet: [UInt8]) {
        guard packet.count >= 12, let track = tracks[packet[1] & 0x7F] else { return }
        received.add(1, ordering: .relaxed)
        let sequence = UInt16(packet[2]) << 8 | UInt16(packet[3])
        let ssrc = UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11])
        if ssrcs[track] == nil {
            ssrcs[track] = ssrc
            if videoTracks.contains(track) { requestKeyframe(track) }
        }
        let timestamp = UInt32(packet[4]) << 24 | UInt32(packet[5]) << 16 | UInt32(packet[6]) << 8 | UInt32(packet[7])
        let clockRate = recording.tracks.indices.contains(track) ? recording.tracks[track].clockRate : 90_000
        reception[track, default: RTPReceptionStatistics(ssrc: ssrc, clockRate: clockRate)].receive(
            sequence: sequence, timestamp: timestamp, arrival: monotonicSeconds())
        // In place: a copy taken out of the table would copy the held packets on every push.
        let result = reorder[track, default: RTPReorderBuffer(nackAfter: nackAfter, dropAfter: dropAfter)].push(
            sequence: sequence, packet)
        if !result.missing.isEmpty {
            nacked.add(Int64(result.missing.count), ordering: .relaxed)
            transport.sendControl(RTCPFeedback.nackPacket(sender: senderSSRC, ssrc: ssrc, sequences: result.missing))
        }
        if result.skipped {
            lost.store(Int64(reorder[track]?.lost ?? 0), ordering: .relaxed)
            if videoTracks.contains(track) { requestKeyframe(track) }
        }
        guard let buffer, let context else { return }
        var frames: [UInt8] = []
        for ready in result.ready {
            do {
                frames += try recording.receive(channel: UInt8(truncatingIfNeeded: track * 2), payload: ready)
            } catch {
                rtpErrors += 1
                if rtpErrors <= 5 { logger.mist(.warn, "WebRTC publisher \(id) sent unusable RTP: \(error)") }
            }
        }
        if !frames.isEmpty {
            BufferLink.forward(context.channel.allocator.buffer(bytes: frames), to: buffer, from: context.channel)
        }
    }

    /// A receiver report of every track heard from, with a REMB for the video in one compound.
    private func sendReports() {
        guard transport.srtp != nil else { return }
        var blocks: [RTCPReportBlock] = []
        for track in reception.keys.sorted() {
            if let block = reception[track]?.report() { blocks.append(block) }
        }
        guard !blocks.isEmpty else { return }
        var compound = RTCPReportBlock.receiverReport(sender: senderSSRC, blocks: blocks)
        let video = videoTracks.sorted().compactMap { ssrcs[$0] }
        if !video.isEmpty {
            compound += RTCPFeedback.estimatedBitratePacket(
                sender: senderSSRC, bitsPerSecond: Self.videoBitrate, ssrcs: video)
        }
        transport.sendControl(compound)
    }

    /// PLI for a video track: the publisher's encoder sends a keyframe.
    private func requestKeyframe(_ track: Int) {
        guard let ssrc = ssrcs[track], monotonicSeconds() - lastKeyframeRequest >= Self.keyframeRequestSeconds
        else { return }
        lastKeyframeRequest = monotonicSeconds()
        transport.sendControl(RTCPFeedback.pictureLossPacket(sender: senderSSRC, ssrc: ssrc))
    }

    /// Ends the session (DELETE, lost consent, the buffer gone): the channel closes, the rest follows.
    func close() {
        guard !closed else { return }
        closed = true
        context?.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        timer?.cancel()
        transport.stop()
        if let buffer { BufferLink.finish(buffer) }
        buffer = nil
        if let stats { ConnectionStats.close(stats) }
        stats = nil
        logger.mist(
            .info,
            "WebRTC push into \(stream) ended: \(received.load(ordering: .relaxed)) packets, \(nacked.load(ordering: .relaxed)) NACKed, \(lost.load(ordering: .relaxed)) lost"
        )
        onClosed?()
        onClosed = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        transport.dropped.add(1, ordering: .relaxed)
    }
}
