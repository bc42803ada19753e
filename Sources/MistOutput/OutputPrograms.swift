import Logging
import MistCore
import MistData
import MistSRT
import MistShm
import MistTLS

/// The outputs' programs, one per `MistOut<Protocol>` binary. Each also takes MistServer's push
/// command line (`--stream <s> <target>`) where the protocol can push.
public enum OutputPrograms {
    /// MistOutRTMP: RTMP publishers and players; pushes to `rtmp://`.
    public static let rtmp = output(RTMPCapabilities.declaration) { options, logger in
        if PushOutput.target(options) != nil { return PushOutput.run(options, connector: "RTMP", logger: logger) }
        var configured = RTMPSettings()
        configured.acceptable = Int(options.integer("acceptable") ?? 0)
        let settings = configured
        // With `cert` and `key` the port speaks RTMPS only, as MistServer's.
        let tls = try TLSCertificates(options: options, http11: false, logger: logger)
        if tls != nil { logger.mist(.info, "Cert and key set: RTMPS on this port") }
        return try EventLoopListener.run(options, logger: logger, tls: tls) { channel in
            try RTMPOutputHandler.pipeline(channel, logger: logger, settings: settings)
        }
    }

    /// MistOutDTSC: DTSC players and pushers; pushes to `dtsc://`.
    public static let dtsc = output(DTSCCapabilities.declaration) { options, logger in
        if PushOutput.target(options) != nil { return PushOutput.run(options, connector: "DTSC", logger: logger) }
        return try EventLoopListener.run(options, logger: logger) { channel in
            try DTSCOutputHandler.pipeline(channel, logger: logger)
        }
    }

    /// MistOutRTSP: RTSP publishers.
    public static let rtsp = output(RTSPCapabilities.declaration) { options, logger in
        try EventLoopListener.run(options, logger: logger) { channel in
            try RTSPOutputHandler.pipeline(channel, logger: logger)
        }
    }

    /// MistOutTSSRT: MPEG-TS over SRT, pushes in and playback out (one relay thread for every
    /// SRT connection, served on the event loops); pushes to `srt://`.
    public static let tssrt = output(TSSRTCapabilities.declaration) { options, logger in
        if PushOutput.target(options) != nil { return PushOutput.run(options, connector: "TSSRT", logger: logger) }
        let stopSignals = StopSignals.block()
        var settings = TSSRTOutputHandler.Settings()
        settings.acceptable = Int(options.integer("acceptable") ?? 0)
        settings.defaultStream = options.string("streamname") ?? ""
        settings.ignoreStreamID = options.flag("nostreamid")
        settings.interface = options.string("interface") ?? "0.0.0.0"
        settings.port = Int(clamping: options.integer("port") ?? 8889)
        var socketOptions = Dictionary(
            URLQuery.parse(Array((options.string("sockopts") ?? "").utf8)).map { ($0.name, $0.value) },
            uniquingKeysWith: { first, _ in first })
        if let passphrase = options.string("passphrase"), !passphrase.isEmpty {
            socketOptions["passphrase"] = passphrase
        }
        let host = settings.interface == "0.0.0.0" ? "" : settings.interface
        let listener = try SRTSocket.listen(
            host: host, port: UInt16(clamping: settings.port), options: socketOptions)
        let fixed = settings
        let relay = try SRTRelay(listener: listener, logger: logger) { channel, peer in
            try TSSRTOutputHandler.pipeline(channel, peer: peer, settings: fixed, logger: logger)
        }
        relay.start()
        logger.mist(.info, "Listening for SRT on \(settings.interface):\(settings.port) (UDP)")
        let signal = stopSignals.wait()
        logger.mist(.info, "Stopping: signal \(signal) received")
        relay.stop()
        return 0
    }

    /// MistOutTS: TS pushes over UDP, RTP, TCP and into commands.
    public static let ts = output(TSPushCapabilities.declaration) { options, logger in
        guard PushOutput.target(options) != nil else {
            logger.mist(
                .fail, "MistOutTS only pushes: give it --stream and a tsudp://, tsrtp://, tstcp:// or ts-exec: target")
            return 1
        }
        return PushOutput.run(options, connector: "TS", logger: logger)
    }

    /// MistProcFFMPEG: a stream process that encodes a rendition with ffmpeg (started by
    /// MistInBuffer for an entry of its stream's `processes`).
    public static let ffmpegProcess = process(FFmpegProcessCapabilities.declaration, run: FFmpegProcess.run)

    /// MistProcMKVExec: a stream process that pipes Matroska through any command.
    public static let mkvExecProcess = process(MKVExecProcessCapabilities.declaration, run: MKVExecProcess.run)

    /// MistProcLivepeer: a stream process that transcodes on Livepeer broadcasters.
    public static let livepeerProcess = process(LivepeerProcessCapabilities.declaration, run: LivepeerProcess.run)

    /// A stream process: its one JSON argument read, then `run` until it ends or is stopped.
    private static func process(
        _ declaration: Capabilities,
        run: @escaping @Sendable (JSONValue, Logger, @escaping @Sendable () -> Bool) -> Int32
    ) -> MistProgram {
        MistProgram(declaration) { options, logger in
            guard let text = options.string("config"), let config = try? JSONParser.parse(text), config.isObject else {
                logger.mist(.fail, "\(declaration.binary) takes its configuration as one JSON object argument")
                return 1
            }
            let stopSignals = StopSignals.block()
            TrackMask.ofThisProcess = TrackMask.processes
            return run(config, logger) { stopSignals.arePending }
        }
    }

    /// MistOutHTTP: every HTTP format, the player and the stream info on one port; WHEP too
    /// while the WebRTC connector is enabled.
    public static let http = output(HTTPCapabilities.declaration) { options, logger in
        ACMEChallenges.shared.configure(options.all("certbot"))
        let webRTC = WebRTCService.fromProtocols(logger: logger)
        return try EventLoopListener.run(options, logger: logger) { channel in
            try EventLoopListener.http(channel, logger: logger, formats: Set(HTTPFormat.allCases), webRTC: webRTC)
        }
    }

    /// MistOutWebRTC: WHEP signalling on its port, each session's media on a UDP port of its own;
    /// pushes to `whip://` and `whips://`.
    public static let webRTC = output(WebRTCCapabilities.declaration) { options, logger in
        if PushOutput.target(options) != nil { return PushOutput.run(options, connector: "WebRTC", logger: logger) }
        let service = try WebRTCService(settings: WebRTCSettings(options: options))
        return try EventLoopListener.run(options, logger: logger) { channel in
            try EventLoopListener.http(channel, logger: logger, formats: [], webRTC: service)
        }
    }

    /// MistOutHTTPS: what MistOutHTTP serves, over TLS.
    public static let https = output(HTTPSCapabilities.declaration) { options, logger in
        guard let tls = try TLSCertificates(options: options, http11: true, logger: logger) else {
            throw TLSError.noCertificate
        }
        return try EventLoopListener.run(options, logger: logger, tls: tls) { channel in
            try EventLoopListener.http(channel, logger: logger, formats: Set(HTTPFormat.allCases), isSecure: true)
        }
    }

    /// MistOutHLS, MistOutHTTPTS, MistOutFLV and MistOutMP4: one HTTP format each.
    public static let hls = format(.hls, connector: "HLS")
    public static let httpTS = format(.ts, connector: "HTTPTS")
    public static let flv = format(.flv, connector: "FLV")
    public static let mp4 = format(.mp4, connector: "MP4")
    /// MistOutCMAF: DASH and HLS over fragmented MP4.
    public static let cmaf = format(.cmaf, connector: "CMAF")
    /// MistOutEBML: Matroska and WebM.
    public static let ebml = format(.ebml, connector: "EBML")

    /// An output program: it serves viewers, so it sees the tracks masked for viewers (a push it
    /// runs instead sees those for pushes).
    private static func output(
        _ capabilities: Capabilities, body: @escaping @Sendable (ParsedOptions, Logger) throws -> Int32
    ) -> MistProgram {
        MistProgram(capabilities) { options, logger in
            TrackMask.ofThisProcess = TrackMask.viewers
            return try body(options, logger)
        }
    }

    /// Every output program.
    public static let all: [MistProgram] = [
        rtmp, rtsp, tssrt, ts, dtsc, http, https, hls, httpTS, flv, mp4, cmaf, ebml, webRTC, ffmpegProcess,
        mkvExecProcess, livepeerProcess,
    ]

    private static func format(_ format: HTTPFormat, connector: String) -> MistProgram {
        output(format.capabilities) { options, logger in
            if PushOutput.target(options) != nil {
                return PushOutput.run(options, connector: connector, logger: logger)
            }
            return try EventLoopListener.run(options, logger: logger) { channel in
                try EventLoopListener.http(channel, logger: logger, formats: [format])
            }
        }
    }
}
