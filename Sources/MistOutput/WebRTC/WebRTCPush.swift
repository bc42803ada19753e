import Logging
import MistCore
import MistData
import MistNet
import MistShm
import MistStream
import MistTLS
import MistWebRTC
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A push to a WHIP server (`whip://host[:port]/path`, `whips://` over TLS; MistServer's push
/// targets for its WebRTC output): the stream's tracks WebRTC carries are offered (this side
/// the DTLS client and the controlling ICE agent), the offer POSTed with `?auth=<token>` as a
/// Bearer token, the answer's candidates checked, and the stream sent from its WebRTC fan-out
/// group as a viewer's would be (NACKs answered from the cache). The session's URL from
/// `Location` gets a DELETE when the push ends.
enum WebRTCPush {
    static func handles(_ target: String) -> Bool { target.hasPrefix("whip://") || target.hasPrefix("whips://") }

    /// The HTTP URL the offer goes to and the Bearer token, from a `whip://` target: MistServer's
    /// `auth` parameter and track selectors stay here, the rest of the query goes along.
    static func endpoint(_ target: String) -> (url: String, token: String?, query: [String: String]) {
        let secure = target.hasPrefix("whips://")
        let rest = target.dropFirst(secure ? 8 : 7)
        let path = rest.prefix { $0 != "?" }
        var kept: [String] = []
        var query: [String: String] = [:]
        var token: String?
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let name = String(pair.prefix { $0 != "=" })
                let value = URLQuery.decode(pair.dropFirst(name.count + 1).utf8)
                switch name {
                case "auth": token = value
                case "video", "audio", "subtitle", "unmask": query[name] = value
                default: kept.append(String(pair))
                }
            }
        }
        let url = (secure ? "https://" : "http://") + path + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        return (url, token, query)
    }

    static func run(stream: String, target: String, status: PushStatus, logger: Logger, stop: () -> Bool)
        -> PushOutput.Summary
    {
        var summary = PushOutput.Summary()
        let (url, token, query) = endpoint(target)
        var channel: (any Channel)?
        var location: String?
        do {
            let settings = WebRTCSettings()
            let opened = try TrackChoice.open(
                stream, videoCodecs: WebRTCPushOffer.codecs, audioCodecs: WebRTCPushOffer.codecs, query: query,
                logger: logger)
            let tracks = [opened.video, opened.audio].compactMap { $0 }
            let tls = try TLSContext.datagram(isServer: false)
            let credentials = ICECredentials.random()
            // The channel first: its port goes into the offer as a host candidate.
            let host = try localAddress(towards: url)
            // The handler comes once the answer is read; nothing arrives before this side checks.
            let bound = try DatagramBootstrap(group: OutputEventLoops.group)
                .bind(host: host.contains(":") ? "::" : "0.0.0.0", port: 0).wait()
            channel = bound
            let offer = WebRTCPushOffer(
                tracks: tracks.map { track in
                    WebRTCPushOffer.Track(
                        kind: track.info.type, codec: track.info.codec, ssrc: .random(in: 1...UInt32.max),
                        h264Profile: track.info.codec == "H264" ? Array(track.info.initData.dropFirst().prefix(3)) : [],
                        rate: Int(clamping: track.info.rate), channels: Int(clamping: track.info.channels))
                },
                iceUsername: credentials.username, icePassword: credentials.password, fingerprint: tls.fingerprint,
                candidates: [WebRTCAnswer.Candidate(address: host, port: bound.localAddress?.port ?? 0)],
                streamName: stream)
            var headers = [("Content-Type", "application/sdp")]
            if let token { headers.append(("Authorization", "Bearer \(token)")) }
            let response = try HTTPClient.request("POST", url, headers: headers, body: Array(offer.text.utf8))
            guard response.status == 201 || response.status == 200 else {
                let reason = String(decoding: response.body.prefix(200), as: UTF8.self)
                throw PushOutput.Ending(
                    code: "FORMAT_SPECIFIC", text: "the WHIP server answered \(response.status): \(reason)")
            }
            location = response.headers["location"].map { HTTPClient.resolve($0, against: url) }
            let answer = try WebRTCOffer(parsing: String(decoding: response.body, as: UTF8.self))
            var peerTracks: [WebRTCPeer.Track] = []
            var sent: [StreamTrack] = []
            for (index, track) in tracks.enumerated() {
                guard let section = answer.media.first(where: { $0.mid == "\(index)" }), section.port != 0,
                    let codec = section.codecs.first
                else {
                    logger.mist(.warn, "The WHIP server at \(url) refused the \(track.info.codec) track")
                    continue
                }
                sent.append(track)
                peerTracks.append(
                    WebRTCPeer.Track(
                        payloadType: codec.payloadType, ssrc: offer.tracks[index].ssrc,
                        isVideo: track.info.type == "video"))
            }
            guard !sent.isEmpty else {
                throw PushOutput.Ending(code: "FORMAT_SPECIFIC", text: "the WHIP server took none of the tracks")
            }
            try opened.reader.select(sent.map(\.index))
            if opened.reader.isLive { try opened.reader.seekToLiveEdge() }
            let candidates = answer.candidates.compactMap { try? SocketAddress(ipAddress: $0.address, port: $0.port) }
            guard !candidates.isEmpty else {
                throw PushOutput.Ending(code: "FORMAT_SPECIFIC", text: "the WHIP answer has no usable candidate")
            }
            let transport = WebRTCTransport(
                id: Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255) }), credentials: credentials,
                remoteFingerprint: answer.fingerprint,
                engine: try TLSEngine(context: tls, asServer: answer.setup == "active"), loopbackOnly: false,
                initiator: WebRTCTransport.Initiator(
                    username: answer.iceUsername, password: answer.icePassword, candidates: candidates),
                logger: logger)
            let peer = WebRTCPeer(
                transport: transport, tracks: peerTracks, settings: settings,
                playback: WebRTCPlayback(
                    stream: stream, reader: opened.reader, tracks: sent, admission: nil, host: "", url: target,
                    userAgent: ""),
                logger: logger)
            try bound.pipeline.addHandler(peer).wait()
            logger.mist(
                .info, "Pushing \(stream) to \(url) over WebRTC (\(sent.map(\.info.codec).joined(separator: ", ")))")
            let started = monotonicSeconds()
            var secured = false
            while !stop() && bound.isActive {
                usleepMilliseconds(200)
                let bytes = Int(peer.sentBytes.load(ordering: .relaxed))
                if bytes > 0 { secured = true }
                summary.bytes = bytes
                status.report(bytes: bytes, time: nil)
                if !secured && monotonicSeconds() - started > 20 {
                    throw PushOutput.Ending(code: "FORMAT_SPECIFIC", text: "no WebRTC connection within 20 s")
                }
            }
            if stop() { (summary.code, summary.text) = ("CLEAN_SIGNAL", "stopped") }
            logger.mist(
                .info,
                "Push of \(stream) to \(url) ended: \(peer.sent.load(ordering: .relaxed)) packets, \(peer.retransmitted.load(ordering: .relaxed)) resent"
            )
        } catch let ending as PushOutput.Ending {
            logger.mist(.fail, "Push of \(stream) to \(target) failed: \(ending.text)")
            (summary.code, summary.text) = (ending.code, ending.text)
        } catch {
            logger.mist(.fail, "Push of \(stream) to \(target) failed: \(error)")
            (summary.code, summary.text) = ("WRITE_FAILURE", "\(error)")
        }
        try? channel?.close().wait()
        if let location {
            _ = try? HTTPClient.request("DELETE", location, headers: [], body: [], timeoutMilliseconds: 5000)
        }
        return summary
    }

    /// The local address the system routes to `url`'s host from (a connected datagram socket
    /// sends nothing); the host itself when it is a loopback address.
    static func localAddress(towards url: String) throws -> String {
        let host = try HTTPClient.split(url).host
        let address = try SocketAddress.makeAddressResolvingHost(host, port: 9)
        if PushPolicy.isLoopback(address.ipAddress ?? "") { return address.ipAddress ?? host }
        let probe = try DatagramBootstrap(group: OutputEventLoops.group).connect(to: address).wait()
        defer { try? probe.close().wait() }
        return probe.localAddress?.ipAddress ?? "0.0.0.0"
    }
}
