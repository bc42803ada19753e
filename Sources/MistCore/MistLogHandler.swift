import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler writing MistServer-style log lines to stderr.
///
/// Under a controller (the `MIST_CONTROL` environment variable is set, as MistServer's controller
/// does for its children) it writes the machine format the controller parses; run by hand it
/// writes the human format. Messages above the `-g` level are dropped before formatting.
public struct MistLogHandler: LogHandler {
    /// Metadata key carrying an exact Mist level name for messages sent with `Logger.mist(...)`.
    public static let levelKey = "mist.level"

    public var metadata: Logger.Metadata = [:]
    /// What swift-log lets through before formatting: follows `maximumLevel`, so a level changed
    /// live applies to loggers made before the change (setting it has no effect).
    public var logLevel: Logger.Level {
        get { maximumLevel.loggerLevel }
        set {}
    }
    /// The highest Mist level written: the handler's own, else the process's live level.
    public var maximumLevel: MistLogLevel { fixedLevel ?? MistLog.level }
    private let fixedLevel: MistLogLevel?
    public let machineFormat: Bool
    private let program: String
    private let sink: MistLogSink

    /// A handler writing lines up to `maximumLevel` (nil: the process's live level).
    public init(
        label: String, maximumLevel: MistLogLevel?, machineFormat: Bool, program: String,
        sink: MistLogSink = .standardError
    ) {
        self.fixedLevel = maximumLevel
        self.machineFormat = machineFormat
        self.program = program
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let kind: String
        let level: MistLogLevel
        if case .string(let name)? = event.metadata?[MistLogHandler.levelKey] ?? metadata[MistLogHandler.levelKey],
            let named = MistLogLevel(label: name[...])
        {
            kind = name
            level = named
        } else {
            level = MistLogLevel(event.level)
            kind = level.label
        }
        guard level <= maximumLevel, level != .none else { return }
        let fileName = event.file.split(separator: "/").last.map(String.init) ?? event.file
        let line = MistLogLine(
            kind: kind, program: program, pid: getpid(), location: "\(fileName):\(event.line)",
            stream: MistLog.streamName, message: event.message.description)
        let text = machineFormat ? line.machineLine : line.humanLine(timestamp: MistLog.timestamp())
        sink.write(text + "\n")
        MistLog.observe(line)
    }
}

/// Where log lines go: stderr, or a buffer tests read back.
public final class MistLogSink: Sendable {
    private let isCapturing: Bool
    private let lines = Mutex<[String]>([])

    private init(capturing: Bool) {
        isCapturing = capturing
    }

    public static let standardError = MistLogSink(capturing: false)

    /// A sink that keeps lines in memory.
    public static func capturing() -> MistLogSink { MistLogSink(capturing: true) }

    /// Lines written so far (capturing sinks only).
    public var captured: [String] { lines.withLock { $0 } }

    func write(_ text: String) {
        if isCapturing {
            lines.withLock { $0.append(text) }
            return
        }
        writeAll(text, to: 2)
    }
}
