import Logging
import MistCore
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// Makes sure a stream's input runs, starting it from the configuration the controller
/// publishes, as MistServer's outputs do when a viewer asks for a stream. A second start for a
/// stream whose input runs does nothing; two racing starts leave one input, because an input
/// holds the stream's lock and a second one exits.
public enum StreamStarter {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case invalidName(String)
        case notConfigured(String)
        case noInput(source: String)
        case refused(String)
        case startFailed(String)
        case inputExited(String)
        case timedOut(String)

        public var description: String {
            switch self {
            case .invalidName(let name): return "invalid stream name \(name)"
            case .notConfigured(let name): return "stream \(name) is not configured"
            case .noInput(let source): return "no input can read the source \(source)"
            case .refused(let name): return "STREAM_LOAD refused to start stream \(name)"
            case .startFailed(let reason): return "cannot start the input: \(reason)"
            case .inputExited(let name): return "the input of \(name) stopped before the stream came online"
            case .timedOut(let name): return "stream \(name) did not come online in time"
            }
        }
    }

    /// The settings of a configured stream (by its base name), as the controller published them.
    public static func configuration(of stream: String) -> JSONValue? {
        ConfigPage.read(StreamPageNames.configuration(String(StreamName.baseName(stream))))
    }

    /// Whether a controller publishes configuration (inputs may only be started through one).
    /// MistServer's controller publishes no pid with its capabilities; its global settings page
    /// beside them stands for it.
    public static var controllerIsRunning: Bool {
        guard let capabilities = ConfigPage.read(StreamPageNames.capabilities) else { return false }
        guard let pid = capabilities["controller_pid"].intValue else {
            return SharedMemoryPage.exists(GlobalConfigPage.name)
        }
        return StreamCleanup.processIsAlive(pid_t(truncatingIfNeeded: pid))
    }

    /// Starts the input of `stream` unless it runs, and waits up to `timeoutSeconds` for it to be
    /// ready (or, for providers such as a push, waiting for data), unless `waitUntilReady` is
    /// false. `source` overrides the configured source (a push uses `push://`); `keyOnly` starts
    /// it even when the stream is not configured (a push with a stream key).
    public static func start(
        _ stream: String, source: String? = nil, isProvider: Bool = false, timeoutSeconds: Double = 20,
        waitUntilReady: Bool = true, keyOnly: Bool = false, logger: Logger
    ) throws(Failure) {
        guard StreamName.sanitize(stream) == stream, !stream.isEmpty, stream.utf8.count <= StreamName.maximumLength
        else { throw .invalidName(stream) }
        if isUsable(StreamStatus.current(of: stream), isProvider: isProvider) { return }
        if StreamStatus.current(of: stream) == .off {
            // One starter at a time per stream; a holder that died only delays the next one.
            let lock = try? NamedSemaphore(StreamPageNames.startSemaphore(stream))
            let locked = lock?.wait(milliseconds: 10_000) ?? false
            defer { if locked { lock?.post() } }
            if StreamStatus.current(of: stream) == .off {
                let pid = try launch(stream, source: source, isProvider: isProvider, keyOnly: keyOnly, logger: logger)
                // Keep the lock until the input has claimed the stream (or given up).
                let claimed = monotonicSeconds() + 10
                while StreamStatus.current(of: stream) == .off && StreamCleanup.processIsAlive(pid)
                    && monotonicSeconds() < claimed
                {
                    usleepMilliseconds(10)
                }
                if !waitUntilReady { return }
            }
        }
        let deadline = monotonicSeconds() + timeoutSeconds
        while monotonicSeconds() < deadline {
            let status = StreamStatus.current(of: stream)
            if isUsable(status, isProvider: isProvider) { return }
            if status == .off { throw .inputExited(stream) }
            usleepMilliseconds(25)
        }
        throw .timedOut(stream)
    }

    /// Spawns the input the stream's configuration and source call for.
    private static func launch(
        _ stream: String, source: String?, isProvider: Bool, keyOnly: Bool, logger: Logger
    ) throws(Failure) -> pid_t {
        // A stream key's stream needs no configuration: its buffer runs with MistServer's
        // placeholder source.
        let placeholder: JSONValue? = keyOnly ? ["source": "push://STREAM_KEY_ONLY:STREAM_KEY_ONLY"] : nil
        let configuration = self.configuration(of: stream) ?? placeholder
        guard let configuration, var location = source ?? configuration["source"].stringValue, !location.isEmpty
        else { throw .notConfigured(stream) }
        if source == nil {
            // STREAM_LOAD may refuse; STREAM_SOURCE may name another source.
            guard Triggers.allow("STREAM_LOAD", stream: stream, payload: stream, logger: logger) else {
                throw .refused(stream)
            }
            let answer = Triggers.rewrite("STREAM_SOURCE", stream: stream, payload: stream, current: "", logger: logger)
            if !answer.isEmpty { location = answer }
        }
        // The wildcard part is free-form: it may name a file below a folder, never leave it or
        // add arguments to a command.
        if ["wildcard", "$stream", "${stream}"].contains(where: { location.contains($0) }),
            !StreamName.wildcardIsSafeInSource(stream)
        {
            logger.mist(.warn, "Not starting \(stream): its wildcard part cannot go into the source \(location)")
            throw .invalidName(stream)
        }
        location = StreamVariables.substitute(
            location, stream: stream, source: configuration["source"].stringValue ?? "")
        let inputs = ConfigPage.read(StreamPageNames.capabilities)?["inputs"] ?? .null
        guard let input = InputSelector.input(for: location, inputs: inputs, isProvider: isProvider) else {
            throw .noInput(source: location)
        }
        let binary = ChildProcess.ownDirectory() + (input["exec"].stringValue ?? "MistIn" + input["name"].asString)
        let arguments = OptionArguments.arguments(for: configuration, capabilities: input) + ["-s", stream, location]
        let pid: pid_t
        do {
            pid = try ChildProcess.spawn(binary, arguments: arguments)
        } catch {
            throw .startFailed(error.description)
        }
        logger.mist(.info, "Started \(binary.split(separator: "/").last ?? "") (pid \(pid)) for \(stream)")
        // Inputs outlive the process that started them.
        ChildProcess.reapWhenDone(pid)
        return pid
    }

    static func isUsable(_ status: StreamStatus, isProvider: Bool) -> Bool {
        status == .ready || (isProvider && status == .waiting)
    }

}
