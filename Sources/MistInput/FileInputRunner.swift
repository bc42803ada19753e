import Logging
import MistCore
import MistShm
import MistStream
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What every file input does once its file is loaded: serve it while viewers read it, and
/// for the inactivity timeout after the last one leaves, then remove the stream.
public enum FileInputRunner {
    /// The `inputtimeout` option every file input declares.
    public static let timeoutOption = CapabilityOption(
        "inputtimeout", name: "Input inactivity timeout", help: "Seconds a file stays loaded without viewers",
        type: .unsignedInteger, long: "inputtimeout", default: 30, unit: "s")

    /// Runs a live source (a pull, a UDP or command source): `body` gets the stream, its buffer
    /// window (`--buffer`) and a stop check; stop signals are taken synchronously, so the stream's
    /// pages are always removed on the way out. The stream's triggers fire as MistServer's
    /// inputs fire them: STREAM_READY (`<stream>\n<name>`) once it plays (a refusal stops it),
    /// INPUT_ABORT when the source fails, STREAM_UNLOAD (uncancelable) when it ends.
    public static func runLive(
        _ options: ParsedOptions, name: String, logger: Logger,
        body: (_ source: String, _ stream: String, _ window: UInt64, _ stop: () -> Bool) throws -> Void
    ) throws -> Int32 {
        guard let stream = options.string("streamname"), !stream.isEmpty else {
            logger.mist(.fail, "No stream name given (-s)")
            return 1
        }
        let source = options.string("input") ?? "-"
        let stopSignals = StopSignals.block()
        let refused = Atomic<Bool>(false)
        let finished = Atomic<Bool>(false)
        defer { finished.store(true, ordering: .relaxed) }
        // The stream's state page says when it plays (threads started here take no stop signals).
        startDetachedThread {
            while !finished.load(ordering: .relaxed) {
                if StreamStatus.current(of: stream) == .ready {
                    if !Triggers.allow("STREAM_READY", stream: stream, payload: "\(stream)\n\(name)", logger: logger) {
                        logger.mist(.warn, "STREAM_READY refused \(stream); shutting its input down")
                        refused.store(true, ordering: .relaxed)
                    }
                    return
                }
                usleepMilliseconds(50)
            }
        }
        var reason = "source ended"
        do {
            try body(source, stream, UInt64(options.integer("DVR") ?? 50000)) {
                if stopSignals.arePending {
                    reason = "stopped by a signal"
                    return true
                }
                if refused.load(ordering: .relaxed) {
                    reason = "refused by STREAM_READY"
                    return true
                }
                return false
            }
        } catch {
            abort(stream: stream, source: source, name: name, reason: "\(error)", logger: logger)
            throw error
        }
        Triggers.notify(
            "STREAM_UNLOAD", stream: stream, payload: "\(stream)\n\(name)\nuncancelable\(reason)", logger: logger,
            waiting: true)
        return 0
    }

    /// INPUT_ABORT for an input that cannot go on (sent before the process exits).
    public static func abort(stream: String, source: String, name: String, reason: String, logger: Logger) {
        Triggers.notify(
            "INPUT_ABORT", stream: stream,
            payload: [stream, source, "MistIn" + name, String(getpid()), "FORMAT_SPECIFIC", reason].joined(
                separator: "\n"), logger: logger, waiting: true)
    }

    /// A loaded stream: the writer that owns it, and what keeps its pages loaded as readers
    /// need them (called about every 10 ms), for inputs that load pages on demand.
    public struct Loaded {
        public let writer: StreamWriter
        public let service: (() throws -> Void)?

        public init(writer: StreamWriter, service: (() throws -> Void)? = nil) {
            self.writer = writer
            self.service = service
        }
    }

    /// Loads with `load` (the whole stream at once) and serves until stopped or idle.
    public static func run(
        _ options: ParsedOptions, name: String, logger: Logger,
        load: (_ source: String, _ stream: String) throws -> StreamWriter
    ) throws -> Int32 {
        try run(options, name: name, logger: logger) { source, stream in Loaded(writer: try load(source, stream)) }
    }

    /// Loads with `load` and serves until stopped or idle; the exit status.
    public static func run(
        _ options: ParsedOptions, name: String, logger: Logger,
        load: (_ source: String, _ stream: String) throws -> Loaded
    ) throws -> Int32 {
        guard let stream = options.string("streamname"), !stream.isEmpty else {
            logger.mist(.fail, "No stream name given (-s)")
            return 1
        }
        // Stop signals are taken synchronously, so the stream's pages are always removed on the way out.
        let stopSignals = StopSignals.block()
        let source = options.string("input") ?? "-"
        let started = monotonicSeconds()
        let loaded: Loaded
        do {
            loaded = try load(source, stream)
        } catch {
            abort(stream: stream, source: source, name: name, reason: "\(error)", logger: logger)
            throw error
        }
        let writer = loaded.writer
        let milliseconds = Int((monotonicSeconds() - started) * 1000)
        logger.mist(.info, "Loaded \(source) into \(stream): \(writer.trackCount) track(s) in \(milliseconds) ms")
        if !Triggers.allow("STREAM_READY", stream: stream, payload: "\(stream)\n\(name)", logger: logger) {
            writer.close()
            return 0
        }
        let timeout = Int(options.integer("inputtimeout") ?? 30) * 1000
        var idle = 0
        var lastCount = monotonicSeconds()
        while !stopSignals.arePending {
            // Pages are loaded within about 10 ms of a reader asking; viewers counted 4 times a second.
            usleepMilliseconds(loaded.service == nil ? 250 : 10)
            do {
                try loaded.service?()
            } catch {
                // The file no longer matches what was published: end the stream.
                logger.mist(.fail, "\(source): \(error)")
                abort(stream: stream, source: source, name: name, reason: "\(error)", logger: logger)
                writer.close()
                return 1
            }
            let now = monotonicSeconds()
            guard now - lastCount >= 0.24 else { continue }
            lastCount = now
            idle = writer.viewerCount() > 0 ? 0 : idle + 250
            // STREAM_UNLOAD may keep an idle input loaded for another timeout.
            if idle >= timeout {
                let payload = "\(stream)\n\(name)\ncancelableno viewers for \(timeout / 1000) s"
                if Triggers.allow("STREAM_UNLOAD", stream: stream, payload: payload, logger: logger) { break }
                idle = 0
            }
        }
        if stopSignals.arePending {
            Triggers.notify(
                "STREAM_UNLOAD", stream: stream, payload: "\(stream)\n\(name)\nuncancelablestopped by a signal",
                logger: logger, waiting: true)
        }
        logger.mist(.info, stopSignals.arePending ? "Stopping \(stream)" : "Unloading \(stream): no viewers")
        writer.close()
        return 0
    }
}
