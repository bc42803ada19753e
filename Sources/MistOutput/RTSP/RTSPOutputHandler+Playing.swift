import Logging
import MistCore
import MistData
import MistNet
import MistRTP
import MistShm
import MistStream
import NIOCore
import NIOPosix

/// The player's side of an RTSP session: DESCRIBE, SETUP over TCP interleaving or UDP, PLAY of
/// a live stream's fan-out group or of a file from its own position, PAUSE of a file.
extension RTSPOutputHandler {
    private enum Description: @unchecked Sendable {
        case refused(String, String)
        case ready(reader: StreamReader, tracks: [StreamTrack], stream: String, admission: PlayAdmission, stats: Int)
    }

    /// DESCRIBE: the play triggers and opening the stream on the blocking pool, then the SDP.
    func describe(_ request: RTSPRequest) {
        guard let context else { return }
        busy = true
        let (connection, logger) = (connection, logger)
        let query = Self.query(request.url)
        let admission = PlayAdmission(
            host: connection.peerHost, connector: "RTSP", url: request.url,
            token: connection.generatedToken, logger: logger)
        let requested = StreamName.sanitize(request.path)
        OutputEventLoops.offload(
            on: context.eventLoop,
            { () -> Description in
                guard let stream = admission.admit(requested) else {
                    return .refused("403 Forbidden", "refused by a trigger")
                }
                let opened = try TrackChoice.open(
                    stream, videoCodecs: RTSPLiveMuxer.videoCodecs, audioCodecs: RTSPLiveMuxer.audioCodecs,
                    query: query, logger: logger)
                guard admission.play(stream) else { return .refused("403 Forbidden", "playback refused by a trigger") }
                let stats = ConnectionStats.open(
                    connection, stream: stream, host: connection.peerHost, connector: "RTSP", token: admission.token,
                    url: admission.url)
                let tracks = [opened.video, opened.audio].compactMap { $0 }
                return .ready(reader: opened.reader, tracks: tracks, stream: stream, admission: admission, stats: stats)
            }
        ) { [self] result in
            busy = false
            switch result {
            case .failure(let error):
                logger.mist(.info, "RTSP play of \(requested) for \(connection.peer) refused: \(error)")
                reply(request, "404 Not Found")
            case .success(.refused(let status, let reason)):
                logger.mist(.info, "RTSP play of \(requested) for \(connection.peer) refused: \(reason)")
                reply(request, status)
            case .success(.ready(let reader, let tracks, let stream, let admission, let stats)):
                playing = (reader, tracks, stream, admission, stats)
                do {
                    let host = connection.channel.localAddress?.ipAddress ?? "0.0.0.0"
                    let duration = reader.isLive ? nil : RTSPFilePlayback.duration(tracks)
                    let sdp = Array(
                        try RTSPLiveMuxer.describe(stream: stream, host: host, tracks: tracks, duration: duration)
                            .text.utf8)
                    let base = request.url.hasSuffix("/") ? request.url : request.url + "/"
                    send(
                        RTSPFramer.response(
                            "200 OK", cseq: request.header("cseq"),
                            headers: [RTSPHeader("Content-Base", base), RTSPHeader("Content-Type", "application/sdp")],
                            body: sdp))
                } catch {
                    logger.mist(.warn, "RTSP cannot describe \(stream): \(error)")
                    reply(request, "415 Unsupported Media Type")
                }
            }
            process()
        }
    }

    func setUpPlayer(_ request: RTSPRequest) {
        guard let playing else { return }
        let transport = request.header("transport") ?? ""
        let named = playing.tracks.indices.first { request.url.hasSuffix("track\($0 + 1)") }
        guard let index = named ?? playing.tracks.indices.first(where: { playChannels[$0] == nil }) else {
            return reply(request, "404 Not Found")
        }
        if transport.contains("TCP"), let channel = Self.interleaved(transport), udpDestinations.isEmpty {
            playChannels[index] = channel
            return reply(
                request, headers: [RTSPHeader("Transport", transport), RTSPHeader("Session", "\(session);timeout=60")])
        }
        // One transport per session: UDP tracks after TCP ones (or the reverse) are refused.
        guard !transport.contains("TCP"), playChannels.isEmpty || !udpDestinations.isEmpty,
            let ports = Self.clientPorts(transport),
            let address = try? SocketAddress(ipAddress: connection.peerHost, port: ports.rtp)
        else { return reply(request, "461 Unsupported Transport") }
        playChannels[index] = Self.udpChannel(index)
        udpDestinations[Self.udpChannel(index)] = address
        // Sender reports go to the player's RTCP port.
        udpDestinations[Self.udpChannel(index) + 1] = try? SocketAddress(
            ipAddress: connection.peerHost, port: ports.rtcp)
        answerUDP(request, transport: transport)
    }

    /// PLAY: the answer, then the stream's RTSP fan-out group from its next keyframe, or the
    /// file from where `Range` asks.
    func play(_ request: RTSPRequest) {
        guard let playing else { return }
        let chosen = playing.tracks.indices.filter { playChannels[$0] != nil }
        let tracks = chosen.map { playing.tracks[$0] }
        let channels = chosen.compactMap { playChannels[$0] }
        let answer = RTSPFramer.response(
            "200 OK", cseq: request.header("cseq"),
            headers: [RTSPHeader("Session", session), RTSPHeader("Range", "npt=now-")])
        do {
            var viewerConnection = connection
            var stats = playing.stats
            if !udpDestinations.isEmpty, let udp {
                // The datagrams go from the session's RTP port; its bytes are what the statistics count.
                let sender = InterleavedDatagramSender(destinations: udpDestinations)
                try udp.rtp.pipeline.syncOperations.addHandler(sender)
                datagramSender = sender
                viewerConnection = ChannelConnection(
                    channel: udp.rtp, relayedPeer: connection.peer, host: connection.peerHost,
                    packets: { sender.packets })
                ConnectionStats.close(stats)
                stats = ConnectionStats.open(
                    viewerConnection, stream: playing.stream, host: connection.peerHost, connector: "RTSP",
                    token: playing.admission.token, url: playing.admission.url)
            }
            if !playing.reader.isLive {
                let playback = try RTSPFilePlayback(reader: playing.reader, tracks: tracks, channels: channels)
                file = (playback, viewerConnection, playing.stream, playing.admission, stats)
                self.playing = nil
                logger.mist(.info, "RTSP viewer \(connection.peer) plays the file \(playing.stream)")
                return playFile(request)
            }
            if viewerConnection !== connection { send(answer) }
            let group = try LiveFanOutRegistry.join(
                stream: playing.stream, format: "RTSP\(channels)", reader: playing.reader, tracks: tracks,
                home: connection.channel.eventLoop, logger: logger
            ) { try RTSPLiveMuxer(tracks: tracks, channels: channels) }
            let viewer = FanOutViewer(
                connection: viewerConnection, chunked: false, own: viewerConnection === connection ? answer : [])
            viewer.onClose = { [admission = playing.admission, stream = playing.stream] in
                admission.close(stream)
                ConnectionStats.close(stats)
            }
            self.playing = nil
            logger.mist(.info, "RTSP viewer \(connection.peer) plays live \(playing.stream)")
            viewer.onStreamEnd = { [admission = playing.admission, stream = playing.stream] in admission.stop(stream) }
            let body = FanOutBody(group: group, viewer: viewer)
            self.body = body
            let loopBound = NIOLoopBound(self, eventLoop: connection.channel.eventLoop)
            body.start { _ in loopBound.value.close() }
        } catch {
            logger.mist(.warn, "RTSP play of \(playing.stream) for \(connection.peer) failed: \(error)")
            reply(request, "500 Internal Server Error")
        }
    }

    /// PLAY of a file (the first, or one that resumes or moves after PAUSE): a seek when `Range`
    /// names a start, the answer with where playback starts and `RTP-Info`, then a pump at the
    /// file's pace.
    func playFile(_ request: RTSPRequest) {
        guard let file else { return }
        body?.channelClosed()
        body = nil
        let duration = RTSPFilePlayback.duration(file.playback.tracks)
        var start = file.playback.position
        if let asked = RTSPFilePlayback.rangeStart(request.header("range")) {
            start = min(asked, duration)
            do {
                try file.playback.seek(seconds: start)
            } catch {
                logger.mist(.warn, "RTSP seek in \(file.stream) for \(connection.peer) failed: \(error)")
                return reply(request, "457 Invalid Range")
            }
        }
        file.playback.pause()
        let base = request.url.hasSuffix("/") ? String(request.url.dropLast()) : request.url
        reply(
            request,
            headers: [
                RTSPHeader("Session", session),
                RTSPHeader("Range", "npt=\(RTSPFilePlayback.npt(start))-\(RTSPFilePlayback.npt(duration))"),
                RTSPHeader("RTP-Info", file.playback.rtpInfo(base: base, seconds: start)),
            ])
        let (playback, admission, stream) = (file.playback, file.admission, file.stream)
        let pump = ChannelPump(
            connection: file.connection, chunked: false, keepAlive: true, label: "RTSP playback of \(file.stream)",
            stream: file.stream, logger: logger, onEnd: nil
        ) {
            let step = try playback.next(budget: 256 * 1024)
            if case .end = step { admission.stop(stream) }
            return step
        }
        body = pump
        let loopBound = NIOLoopBound(self, eventLoop: connection.channel.eventLoop)
        pump.start { keepAlive in
            // The end of the file leaves the session open for PLAY from elsewhere or TEARDOWN.
            if !keepAlive { loopBound.value.close() }
        }
    }

    /// PAUSE of a file: nothing more is sent until the next PLAY.
    func pauseFile(_ request: RTSPRequest) {
        body?.channelClosed()
        body = nil
        file?.playback.pause()
        reply(request, headers: [RTSPHeader("Session", session)])
    }
}
