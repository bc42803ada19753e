import Logging
import MistCore
import MistData
import MistRTP
import MistRTSP
import MistShm
import MistStream
import MistTLS
import MistWebRTC
import NIOCore
import NIOPosix
import Synchronization

/// The WebRTC sessions of one process: answers WHEP offers (each session on a UDP port of its
/// own), finds sessions for DELETE, and holds the DTLS certificate every session presents.
final class WebRTCService: Sendable {
    /// The most sessions one process holds.
    static let maximumSessions = 4096

    let settings: WebRTCSettings
    /// The DTLS context (its generated certificate) new sessions present, and when it was made:
    /// certificates are valid for 30 days, so a week-old one is replaced for new sessions.
    private let tls: Mutex<(context: TLSContext, made: Double)>
    private let certificateSeconds: Double
    /// Each session's channel, by session id.
    private let channels = Mutex<[String: any Channel]>([:])

    init(settings: WebRTCSettings, certificateSeconds: Double = 7 * 86_400) throws {
        self.settings = settings
        self.certificateSeconds = certificateSeconds
        tls = Mutex((try TLSContext.datagram(isServer: true), monotonicSeconds()))
    }

    /// The service MistOutHTTP runs while the controller's protocols enable the WebRTC connector
    /// (with that entry's settings); nil otherwise.
    static func fromProtocols(logger: Logger) -> WebRTCService? {
        guard let protocols = ConfigPage.read(StreamPageNames.protocols)?.arrayValue,
            let entry = protocols.first(where: { $0["connector"].asString == "WebRTC" })
        else { return nil }
        do {
            return try WebRTCService(settings: WebRTCSettings(entry: entry))
        } catch {
            logger.mist(.warn, "WebRTC over the HTTP port is off: \(error)")
            return nil
        }
    }

    /// What an offer got.
    enum Outcome {
        case answered(sdp: String, session: String)
        case refused(status: String, reason: String)
    }

    /// An offer refused before a session exists.
    struct Refusal: Error {
        var outcome: Outcome
    }

    /// The offer, if it reads, asks this server to be the DTLS server, and a session fits.
    private func read(_ text: String) -> Result<WebRTCOffer, Refusal> {
        let offer: WebRTCOffer
        do {
            offer = try WebRTCOffer(parsing: text)
        } catch {
            return .failure(Refusal(outcome: .refused(status: "400 Bad Request", reason: "\(error)")))
        }
        guard offer.setup != "passive" else {
            return .failure(
                Refusal(
                    outcome: .refused(
                        status: "400 Bad Request", reason: "the offer wants this server to be the DTLS client")))
        }
        guard channels.withLock({ $0.count }) < Self.maximumSessions else {
            return .failure(
                Refusal(outcome: .refused(status: "503 Service Unavailable", reason: "too many WebRTC sessions")))
        }
        return .success(offer)
    }

    /// Answers a WHEP offer for `stream` (blocking: opens the stream and binds a socket). The
    /// session's candidates are `settings.publicHosts`, else `localHost` (where the signalling
    /// request arrived).
    func answer(
        offer text: String, requested: String, query: [String: String], admission: PlayAdmission,
        localHost: String, url: String, userAgent: String, logger: Logger
    ) -> Outcome {
        let offer: WebRTCOffer
        switch read(text) {
        case .success(let read): offer = read
        case .failure(let refusal): return refusal.outcome
        }
        guard let stream = admission.admit(requested) else {
            return .refused(status: "403 Forbidden", reason: "refused by a trigger")
        }
        let opened: (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?)
        do {
            opened = try TrackChoice.open(
                stream, videoCodecs: Set(settings.videoCodecs), audioCodecs: Set(settings.audioCodecs), query: query,
                logger: logger)
        } catch {
            return .refused(status: "404 Not Found", reason: "\(error)")
        }
        guard opened.reader.isLive else {
            return .refused(status: "415 Unsupported Media Type", reason: "WebRTC plays live streams only")
        }
        let profile = opened.video.flatMap {
            $0.info.codec == "H264" && $0.info.initData.count > 1 ? $0.info.initData[1] : nil
        }
        let sections = WebRTCAnswer.playbackSections(
            offer: offer, video: opened.video?.info.codec, audio: opened.audio?.info.codec, h264Profile: profile)
        var tracks: [StreamTrack] = []
        var peerTracks: [WebRTCPeer.Track] = []
        for (kind, track) in [("video", opened.video), ("audio", opened.audio)] {
            guard let track, let section = sections.first(where: { $0.kind == kind && $0.codec != nil }),
                let codec = section.codec
            else { continue }
            tracks.append(track)
            peerTracks.append(
                WebRTCPeer.Track(payloadType: codec.payloadType, ssrc: section.ssrc, isVideo: kind == "video"))
        }
        if let audio = opened.audio, !tracks.contains(where: { $0.index == audio.index }) {
            logger.mist(.info, "WebRTC viewer of \(stream) gets no audio: the offer takes no \(audio.info.codec)")
        }
        guard !tracks.isEmpty else {
            return .refused(
                status: "406 Not Acceptable",
                reason: "the offer accepts none of the codecs of \(stream) WebRTC can send")
        }
        do {
            // The offer may take fewer tracks than were opened (no audio codec in common).
            try opened.reader.select(tracks.map(\.index))
            try opened.reader.seekToLiveEdge()
        } catch {
            return .refused(status: "500 Internal Server Error", reason: "\(error)")
        }
        guard admission.play(stream) else {
            return .refused(status: "403 Forbidden", reason: "playback refused by a trigger")
        }
        let hosts = settings.publicHosts.isEmpty ? [localHost] : settings.publicHosts
        do {
            let tls = currentTLS(logger: logger)
            let transport = try transport(offer: offer, hosts: hosts, tls: tls, logger: logger)
            let peer = WebRTCPeer(
                transport: transport, tracks: peerTracks, settings: settings,
                playback: WebRTCPlayback(
                    stream: stream, reader: opened.reader, tracks: tracks, admission: admission,
                    host: admission.host, url: url, userAgent: userAgent),
                logger: logger)
            let channel = try bind(peer)
            peer.onClosed = register(channel, id: transport.id)
            logger.mist(
                .info,
                "WebRTC viewer \(admission.host) plays \(stream) (session \(transport.id), UDP \(settings.interface):\(channel.localAddress?.port ?? 0))"
            )
            return .answered(
                sdp: answerText(
                    sections, credentials: transport.credentials, hosts: hosts, channel: channel, stream: stream,
                    fingerprint: tls.fingerprint),
                session: transport.id)
        } catch {
            admission.close(stream)
            return .refused(status: "500 Internal Server Error", reason: "\(error)")
        }
    }

    /// Answers a WHIP offer: the push rules (stream keys, `push://` sources, PUSH_REWRITE,
    /// STREAM_PUSH) as for RTMP pushes, then a session whose media goes into the stream's buffer.
    func publish(
        offer text: String, requested: String, password: String, url: String, peerHost: String, token: String,
        localHost: String, userAgent: String = "", logger: Logger
    ) -> Outcome {
        let offer: WebRTCOffer
        switch read(text) {
        case .success(let read): offer = read
        case .failure(let refusal): return refusal.outcome
        }
        let sections = WebRTCAnswer.ingestSections(
            offer: offer, video: settings.videoCodecs, audio: settings.audioCodecs)
        var media: [SessionDescription.Media] = []
        var tracks: [UInt8: Int] = [:]
        var videoTracks: Set<Int> = []
        for section in sections {
            guard let codec = section.codec else { continue }
            var entry = SessionDescription.Media(
                kind: section.kind, port: 0, transport: "RTP/AVP", formats: ["\(codec.payloadType)"])
            entry.attributes.append(
                (
                    "rtpmap",
                    "\(codec.payloadType) \(codec.name)/\(codec.clockRate)" + (codec.channels.map { "/\($0)" } ?? "")
                ))
            if let fmtp = codec.fmtpLine { entry.attributes.append(("fmtp", "\(codec.payloadType) \(fmtp)")) }
            tracks[codec.payloadType] = media.count
            if section.kind == "video" { videoTracks.insert(media.count) }
            media.append(entry)
        }
        guard !media.isEmpty else {
            return .refused(
                status: "406 Not Acceptable",
                reason:
                    "the offer sends none of \((settings.videoCodecs + settings.audioCodecs).joined(separator: ", "))")
        }
        let admission: BufferPushAdmission
        do {
            admission = try BufferPushAdmission.decide(
                requested: requested, url: url, peerHost: peerHost, connector: "WebRTC", password: password,
                logger: logger)
        } catch {
            return .refused(status: "403 Forbidden", reason: "\(error)")
        }
        guard case .accepted(let stream, let descriptor) = admission else {
            if case .rejected(let reason, let bufferLeft) = admission {
                return .refused(status: bufferLeft ? "503 Service Unavailable" : "403 Forbidden", reason: reason)
            }
            return .refused(status: "403 Forbidden", reason: "refused")
        }
        let hosts = settings.publicHosts.isEmpty ? [localHost] : settings.publicHosts
        do {
            let tls = currentTLS(logger: logger)
            let transport = try transport(offer: offer, hosts: hosts, tls: tls, logger: logger)
            var recording = RTSPRecording(SessionDescription(lines: [("v", "0")], media: media))
            for index in media.indices { recording.channels[UInt8(index * 2)] = index }
            let publisher = WebRTCPublisher(
                transport: transport, stream: stream, recording: recording, tracks: tracks, videoTracks: videoTracks,
                peerHost: peerHost, token: token, reorder: settings.reorder(userAgent: userAgent), logger: logger)
            let channel = try bind(publisher)
            publisher.onClosed = register(channel, id: transport.id)
            let buffer = try BufferLink.attach(descriptor, publisher: channel) { [weak publisher] in
                guard let publisher else { return }
                channel.eventLoop.execute { publisher.close() }
            }.wait()
            channel.eventLoop.execute { publisher.attached(buffer) }
            logger.mist(
                .info,
                "WebRTC push offer from \(peerHost) for \(stream) (session \(transport.id), UDP \(settings.interface):\(channel.localAddress?.port ?? 0))"
            )
            return .answered(
                sdp: answerText(
                    sections, credentials: transport.credentials, hosts: hosts, channel: channel, stream: stream,
                    fingerprint: tls.fingerprint),
                session: transport.id)
        } catch {
            close(descriptor)
            return .refused(status: "500 Internal Server Error", reason: "\(error)")
        }
    }

    /// The DTLS context for a new session: a fresh one once the current is a week old (kept when
    /// making one fails).
    func currentTLS(logger: Logger) -> TLSContext {
        tls.withLock { current in
            guard monotonicSeconds() - current.made >= certificateSeconds else { return current.context }
            do {
                current = (try TLSContext.datagram(isServer: true), monotonicSeconds())
                logger.mist(.info, "WebRTC: a new DTLS certificate for new sessions (\(current.context.fingerprint))")
            } catch {
                logger.mist(.warn, "WebRTC: no new DTLS certificate, keeping the old one: \(error)")
            }
            return current.context
        }
    }

    /// A session's transport: fresh ICE credentials, an id, and a DTLS engine.
    private func transport(offer: WebRTCOffer, hosts: [String], tls: TLSContext, logger: Logger) throws
        -> WebRTCTransport
    {
        WebRTCTransport(
            id: Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255) }), credentials: ICECredentials.random(),
            remoteFingerprint: offer.fingerprint, engine: try TLSEngine(context: tls),
            loopbackOnly: hosts.allSatisfy(PushPolicy.isLoopback), logger: logger)
    }

    /// A UDP channel on `interface`, a port the system picks, with `handler`.
    private func bind(_ handler: some ChannelHandler & Sendable) throws -> any Channel {
        try DatagramBootstrap(group: OutputEventLoops.group)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(host: settings.interface, port: 0).wait()
    }

    /// Enters a session's channel in the table; what its handler runs when it closes.
    private func register(_ channel: any Channel, id: String) -> @Sendable () -> Void {
        channels.withLock { $0[id] = channel }
        return { [weak self] in self?.channels.withLock { _ = $0.removeValue(forKey: id) } }
    }

    private func answerText(
        _ sections: [WebRTCAnswer.Section], credentials: ICECredentials, hosts: [String], channel: any Channel,
        stream: String, fingerprint: String
    ) -> String {
        let port = settings.overridePort > 0 ? settings.overridePort : channel.localAddress?.port ?? 0
        return WebRTCAnswer(
            sections: sections, iceUsername: credentials.username, icePassword: credentials.password,
            fingerprint: fingerprint, candidates: hosts.map { WebRTCAnswer.Candidate(address: $0, port: port) },
            streamName: stream
        ).text
    }

    /// Ends session `id`; false when there is none.
    func end(_ id: String) -> Bool {
        guard let channel = channels.withLock({ $0[id] }) else { return false }
        channel.close(promise: nil)
        return true
    }

    /// Whether session `id` exists (PATCH).
    func has(_ id: String) -> Bool { channels.withLock { $0[id] != nil } }
}
