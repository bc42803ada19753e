import Logging
import MistShm
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Process-wide logging set-up and state shared by every binary.
public enum MistLog {
    private static let state = Mutex<(stream: String, bootstrapped: Bool)>(("", false))
    private static let observer = Mutex<(@Sendable (MistLogLine) -> Void)?>(nil)
    /// The level of this process's log lines: changed live by the server's `debug` setting
    /// unless the command line set one (`pinned`).
    private static let liveLevel = Atomic<Int>(MistLogLevel.defaultLevel.rawValue)
    private static let pinned = Atomic<Bool>(false)

    /// Hands every line this process logs to `handler` as well (the controller keeps its own
    /// lines for the `log` API call this way).
    public static func setObserver(_ handler: (@Sendable (MistLogLine) -> Void)?) {
        observer.withLock { $0 = handler }
    }

    static func observe(_ line: MistLogLine) {
        observer.withLock { $0 }?(line)
    }

    /// The stream this process works for; shown in every log line.
    public static var streamName: String {
        get { state.withLock { $0.stream } }
        set { state.withLock { $0.stream = newValue } }
    }

    /// The highest level written now.
    public static var level: MistLogLevel { MistLogLevel(rawValue: liveLevel.load(ordering: .relaxed)) ?? .info }

    /// Makes the log level of a controller's child follow the server's `debug` setting, as the
    /// controller publishes it beside the triggers (read once a second).
    static func followPublishedLevel() {
        // Started before the program blocks its stop signals (`StopSignals`): the thread takes
        // none, so SIGTERM still reaches the thread that waits for it instead of killing the
        // process here.
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        startDetachedThread {
            while true {
                let published = ConfigPage.read(StreamPageNames.serverExtras)?["debug"].intValue
                follow(serverLevel: published.map { Int(clamping: $0) })
                usleepMilliseconds(1000)
            }
        }
    }

    /// Follows the server's `debug` setting (nil: unset, MistServer's default level), unless
    /// this process was started with a level of its own.
    public static func follow(serverLevel: Int?) {
        guard !pinned.load(ordering: .relaxed) else { return }
        set(level: serverLevel)
    }

    /// Sets the level whatever the command line said (the controller, which owns `debug`);
    /// says so in the log when it changes.
    public static func set(level: Int?) {
        let wanted = (level.flatMap { MistLogLevel(rawValue: $0) } ?? .defaultLevel).rawValue
        let old = liveLevel.exchange(wanted, ordering: .relaxed)
        if old != wanted {
            Logger(label: "log").mist(.info, "Debug level set to \(wanted)")
        }
    }

    /// Whether log lines are written for a controller to parse (`MIST_CONTROL` is set).
    public static var underController: Bool { getenv("MIST_CONTROL") != nil }

    /// Routes swift-log to `MistLogHandler` at `level`, which the server's `debug` setting may
    /// change later unless `pinned` (given on the command line). Only the first call takes
    /// effect, as for swift-log's own bootstrap.
    public static func bootstrap(program: String, level: MistLogLevel, pinned: Bool = false) {
        let first = state.withLock { state in
            defer { state.bootstrapped = true }
            return !state.bootstrapped
        }
        guard first else { return }
        liveLevel.store(level.rawValue, ordering: .relaxed)
        self.pinned.store(pinned, ordering: .relaxed)
        let machine = underController
        LoggingSystem.bootstrap { label in
            MistLogHandler(label: label, maximumLevel: nil, machineFormat: machine, program: program)
        }
        if machine && !pinned { followPublishedLevel() }
    }

    /// Local time as `YYYY-MM-DD hh:mm:ss`, the controller log's timestamp.
    public static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            let length = strftime(buffer.baseAddress, buffer.count, "%F %H:%M:%S", &parts)
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: length), as: UTF8.self)
        }
    }
}

extension Logger {
    /// Logs at an exact Mist level (`.veryHigh`, `.medium` ...), which swift-log's levels cannot
    /// all express; the line carries the Mist level's name.
    public func mist(
        _ level: MistLogLevel, _ message: @autoclosure () -> Logger.Message, file: String = #fileID,
        function: String = #function, line: UInt = #line
    ) {
        log(
            level: level.loggerLevel, message(), metadata: [MistLogHandler.levelKey: .string(level.label)],
            file: file, function: function, line: line)
    }

    /// Logs with one of the controller's message kinds (`"CONF"`, `"STRM"` ...), at INFO level.
    public func mist(
        kind: String, _ message: @autoclosure () -> Logger.Message, file: String = #fileID,
        function: String = #function, line: UInt = #line
    ) {
        log(
            level: .info, message(), metadata: [MistLogHandler.levelKey: .string(kind)], file: file,
            function: function, line: line)
    }
}
