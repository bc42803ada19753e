import Logging
import MistCore

/// The inputs' programs, one per `MistIn<Format>` binary.
public enum InputPrograms {
    /// MistInBuffer: holds a live stream that something pushes.
    public static let buffer = MistProgram(BufferCapabilities.declaration) { options, logger in
        guard let stream = options.string("streamname"), !stream.isEmpty else {
            logger.mist(.fail, "No stream name given (-s); the buffer serves exactly one stream")
            return 1
        }
        let stopSignals = StopSignals.block()
        var settings = BufferInput.Settings()
        settings.bufferWindow = UInt64(options.integer("DVR") ?? 50000)
        settings.inputTimeout = Int(options.integer("inputtimeout") ?? 30)
        settings.resume = options.string("resume") == "1"
        settings.source = options.string("input").flatMap { $0.hasPrefix("push://") ? $0 : nil } ?? "push://"
        let buffer = try BufferInput(stream: stream, settings: settings, logger: logger)
        try buffer.run { stopSignals.arePending }
        return 0
    }

    /// MistInDTSC: DTSC files, or a live pull from another server's DTSC output.
    public static let dtsc = MistProgram(DTSCInputCapabilities.declaration) { options, logger in
        if (options.string("input") ?? "-").hasPrefix("dtsc:") {
            return try FileInputRunner.runLive(options, name: "DTSC", logger: logger) { source, stream, window, stop in
                try DTSCPullInput(url: source, stream: stream, bufferWindow: window, logger: logger)
                    .run(shouldStop: stop)
            }
        }
        // Video on demand: load the file, then serve it until told to stop or idle.
        return try FileInputRunner.run(options, name: "DTSC", logger: logger) { source, stream in
            try DTSCFileInput(path: source, stream: stream, logger: logger).load()
        }
    }

    /// MistInFLV: FLV files.
    public static let flv = MistProgram(FLVInputCapabilities.declaration) { options, logger in
        try serveFile(
            options, name: "FLV", logger: logger, demux: FLVInputCapabilities.demux,
            open: FLVInputCapabilities.demuxFile)
    }

    /// MistInFolder: a folder of files as the stream family `<stream>+<file>`.
    public static let folder = MistProgram(FolderInput.declaration) { options, logger in
        try FolderInput.run(options, logger: logger)
    }

    /// MistInHLS: pulls an HLS URL, live or on demand.
    public static let hls = MistProgram(HLSInput.declaration) { options, logger in
        try HLSInput.run(options, logger: logger)
    }

    /// MistInMP4: MP4 and MOV files, plain or fragmented.
    public static let mp4 = MistProgram(MP4InputCapabilities.declaration) { options, logger in
        try serveFile(
            options, name: "MP4", logger: logger, demux: MP4InputCapabilities.demux,
            open: MP4InputCapabilities.demuxFile)
    }

    /// MistInPlaylist: a playlist of files played as one live stream.
    public static let playlist = MistProgram(PlaylistInput.declaration) { options, logger in
        try PlaylistInput.run(options, logger: logger)
    }

    /// MistInTS: TS files, and live `tsudp://` and `ts-exec:` sources.
    public static let ts = MistProgram(TSInputCapabilities.declaration) { options, logger in
        if LiveTSInput.handles(options.string("input") ?? "-") {
            return try FileInputRunner.runLive(options, name: "TS", logger: logger) { source, stream, window, stop in
                try LiveTSInput(source: source, stream: stream, bufferWindow: window, logger: logger)
                    .run(shouldStop: stop)
            }
        }
        return try serveFile(
            options, name: "TS", logger: logger, demux: TSInputCapabilities.demux, open: TSInputCapabilities.demuxFile)
    }

    /// MistInTSSRT: live MPEG-TS over SRT, calling a sender or listening for one.
    public static let tssrt = MistProgram(SRTInput.declaration) { options, logger in
        try FileInputRunner.runLive(options, name: "TSSRT", logger: logger) { source, stream, window, stop in
            let input = try SRTInput(
                url: source, stream: stream, acceptable: Int(options.integer("acceptable") ?? 0), logger: logger)
            // A listener waits for its sender as long as the stream is wanted (the controller's
            // always_match keeps it started); a caller gives up after a minute without data.
            try input.run(bufferWindow: window, idleSeconds: 60, shouldStop: stop)
        }
    }

    /// MistInRTSP: pulls a live RTSP source (a camera, another server).
    public static let rtsp = MistProgram(RTSPPullInput.declaration) { options, logger in
        try FileInputRunner.runLive(options, name: "RTSP", logger: logger) { source, stream, window, stop in
            try RTSPPullInput(url: source, stream: stream, logger: logger).run(bufferWindow: window, shouldStop: stop)
        }
    }

    /// A media file input: its file indexed by `open` (or read whole and `demux`ed), its pages
    /// loaded as readers need them, served until idle.
    static func serveFile(
        _ options: ParsedOptions, name: String, logger: Logger, demux: @escaping ([UInt8]) throws -> MediaFile,
        open: @escaping (String) throws -> MediaFile
    ) throws -> Int32 {
        try FileInputRunner.run(options, name: name, logger: logger) { source, stream in
            try MediaFileInput(path: source, stream: stream, logger: logger, demux: demux, open: open).load()
        }
    }

    /// MistInEBML: Matroska and WebM files.
    public static let ebml = MistProgram(EBMLInputCapabilities.declaration) { options, logger in
        try serveFile(
            options, name: "EBML", logger: logger, demux: EBMLInputCapabilities.demux,
            open: EBMLInputCapabilities.demuxFile)
    }

    /// Every input program.
    public static let all: [MistProgram] = [buffer, dtsc, ebml, flv, folder, hls, mp4, playlist, rtsp, ts, tssrt]
}
