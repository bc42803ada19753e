import Logging
import MistCore
import MistData
import MistStream
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one `MistOut<Name>` per configured protocol: starts what is configured, stops what was
/// removed or changed, and restarts a child that ended, waiting longer each time it ends again
/// soon after starting.
public final class ConnectorSupervisor: Sendable {
    /// A child that runs for at least this long before ending is restarted at once.
    static let stableSeconds = 10.0
    /// The longest wait before restarting a child that keeps failing.
    static let maximumBackoff = 30.0
    /// How long a stopped child may take to exit before it is killed.
    static let stopGrace = 5.0

    struct Child {
        var pid: pid_t
        var started: Double
        var name: String
    }

    struct Backoff {
        var failures: Int
        var retryAt: Double
    }

    struct State {
        var running: [String: Child] = [:]
        var backoff: [String: Backoff] = [:]
        /// Why a connector that keeps failing failed last (its last error line), by key.
        var failures: [String: String] = [:]
        var stopping: [(pid: pid_t, deadline: Double)] = []
        var active = true
    }

    let directory: String
    let logDescriptor: Int32?
    private let logger: Logger
    private let state = Mutex(State())

    /// The last error line a child logged before it ended, by pid (from the controller's log).
    let lastError: @Sendable (pid_t) -> String?

    /// `directory` holds the binaries (with a trailing slash); children write their stderr to
    /// `logDescriptor` when given; `lastError` finds a child's last error line in the log.
    public init(
        directory: String, logDescriptor: Int32?, logger: Logger,
        lastError: @escaping @Sendable (pid_t) -> String? = { _ in nil }
    ) {
        self.directory = directory
        self.logDescriptor = logDescriptor
        self.logger = logger
        self.lastError = lastError
    }

    /// Has the running connector of `entry` reload its certificate files (SIGUSR1), when it is
    /// one that has them: a renewal writes new files under the same names.
    public func reloadCertificates(of entry: JSONValue) {
        let hasCertificates =
            switch entry["cert"] {
            case .string(let path): !path.isEmpty
            case .array(let paths): !paths.isEmpty
            default: false
            }
        guard hasCertificates else { return }
        let key = ConnectorSupervisor.key(of: entry)
        guard let child = state.withLock({ $0.running[key] }) else { return }
        logger.mist(kind: "CONF", "Reloading the certificates of connector \(child.name) (pid \(child.pid))")
        kill(child.pid, SIGUSR1)
    }

    /// Brings the running children in line with `protocols` (the `config.protocols` array) and
    /// returns that array with each entry's `online` status as MistServer reports it: 1 running,
    /// 0 not (yet) running, or a string saying why it is not run.
    public func reconcile(_ protocols: JSONValue, connectors: [String: JSONValue]) -> JSONValue {
        let now = monotonicSeconds()
        var annotated: [JSONValue] = []
        var wanted: [(key: String, entry: JSONValue)] = []
        for var entry in protocols.arrayValue ?? [] {
            entry.removeMember("online")
            switch ConnectorSupervisor.classify(entry, connectors: connectors) {
            case .notRun(let reason):
                entry["online"] = .string(reason)
            case .run:
                wanted.append((ConnectorSupervisor.key(of: entry), entry))
            }
            annotated.append(entry)
        }
        let (running, failures): (Set<String>, [String: String]) = state.withLock { state in
            reapAndStop(&state, wanted: Set(wanted.map(\.key)), now: now)
            guard state.active else { return (Set(state.running.keys), state.failures) }
            for (key, entry) in wanted where state.running[key] == nil {
                if let backoff = state.backoff[key], backoff.retryAt > now { continue }
                start(key: key, entry: entry, connectors: connectors, state: &state, now: now)
            }
            return (Set(state.running.keys), state.failures)
        }
        return .array(
            annotated.map { entry in
                guard !entry.hasMember("online") else { return entry }
                var entry = entry
                let key = ConnectorSupervisor.key(of: entry)
                // A connector that failed and has not come back up says why (a certificate
                // that cannot be used, a port taken) instead of a bare 0.
                if let failure = failures[key], !running.contains(key) {
                    entry["online"] = .string("Failed: \(failure)")
                } else {
                    entry["online"] = running.contains(key) ? 1 : 0
                }
                return entry
            })
    }

    /// The pids of the running children by protocol name, for tests and the shutdown log.
    public var runningChildren: [(name: String, pid: pid_t)] {
        state.withLock { $0.running.values.map { ($0.name, $0.pid) } }
    }

    /// Stops every child: SIGTERM, then SIGKILL for those still running after the grace time.
    /// Nothing is started afterwards.
    public func stopAll() {
        let pids: [pid_t] = state.withLock { state in
            state.active = false
            let pids = state.running.values.map(\.pid) + state.stopping.map(\.pid)
            state.running.removeAll()
            state.stopping.removeAll()
            return pids
        }
        for pid in pids { kill(pid, SIGTERM) }
        var remaining = Set(pids)
        let deadline = monotonicSeconds() + ConnectorSupervisor.stopGrace
        while !remaining.isEmpty && monotonicSeconds() < deadline {
            remaining = remaining.filter { ChildProcess.reap($0) == nil }
            if !remaining.isEmpty { usleepMilliseconds(20) }
        }
        for pid in remaining {
            logger.mist(.warn, "Child \(pid) did not stop within \(Int(ConnectorSupervisor.stopGrace)) s; killing it")
            kill(pid, SIGKILL)
            _ = waitpid(pid, nil, 0)
        }
    }

    enum Decision {
        case run
        case notRun(String)
    }

    /// Whether an entry is run as a process of its own, and why not otherwise (MistServer's
    /// wording, which its web interface shows).
    static func classify(_ entry: JSONValue, connectors: [String: JSONValue]) -> Decision {
        guard let name = entry["connector"].stringValue, !name.isEmpty else { return .notRun("Missing connector name") }
        guard let capabilities = connectors[name] else { return .notRun("Not installed") }
        if capabilities.hasMember("PUSHONLY") { return .notRun("Push-only") }
        if capabilities.hasMember("socket")
            || (capabilities["deps"].stringValue == "HTTP" && !capabilities.hasMember("provides_dependency"))
        {
            return .notRun("Enabled")
        }
        if case .object(let required) = capabilities["required"] {
            for (key, _) in required {
                let value = entry[key]
                switch value {
                case .string(let text) where !text.isEmpty: continue
                case .bytes(let bytes) where !bytes.isEmpty: continue
                case .array(let elements) where elements.first?.isString == true: continue
                default: return .notRun("Invalid configuration")
                }
            }
        }
        return .run
    }

    /// The identity of a configured connector: its whole configuration, so a changed setting
    /// means a new process.
    static func key(of entry: JSONValue) -> String {
        var entry = entry
        entry.removeMember("online")
        return JSONWriter.compact(entry.sortedKeys())
    }

    private func reapAndStop(_ state: inout State, wanted: Set<String>, now: Double) {
        for (key, child) in state.running {
            guard let status = ChildProcess.reap(child.pid) else { continue }
            state.running[key] = nil
            let ranFor = now - child.started
            var backoff = state.backoff[key] ?? Backoff(failures: 0, retryAt: now)
            backoff.failures = ranFor >= ConnectorSupervisor.stableSeconds ? 1 : backoff.failures + 1
            let delay =
                backoff.failures <= 1
                ? 0 : min(ConnectorSupervisor.maximumBackoff, 0.5 * Double(1 << min(backoff.failures - 2, 8)))
            backoff.retryAt = now + delay
            state.backoff[key] = backoff
            let how = status > 128 ? "was killed by signal \(status - 128)" : "exited with status \(status)"
            let when = delay > 0 ? "restarting in \(delay) s" : "restarting"
            let reason = status == 0 ? nil : lastError(child.pid)
            // The child's last error line may still be on its way through the log pipe; then the
            // reason the previous failure gave stands (a connector fails the same way each time).
            state.failures[key] = status == 0 ? nil : reason ?? state.failures[key] ?? how
            logger.mist(
                .warn,
                "Connector \(child.name) (pid \(child.pid)) \(how) after \(Int(ranFor)) s\(reason.map { " (\($0))" } ?? ""); \(when)"
            )
        }
        state.stopping = state.stopping.filter { stopping in
            if ChildProcess.reap(stopping.pid) != nil { return false }
            if stopping.deadline <= now { kill(stopping.pid, SIGKILL) }
            return true
        }
        for (key, child) in state.running where !wanted.contains(key) {
            logger.mist(kind: "CONF", "Stopping connector \(key)")
            Triggers.notify("OUTPUT_STOP", payload: key, logger: logger)
            kill(child.pid, SIGTERM)
            state.stopping.append((child.pid, now + ConnectorSupervisor.stopGrace))
            state.running[key] = nil
            state.backoff[key] = nil
            state.failures[key] = nil
        }
        // Entries no longer configured forget their failures.
        for key in state.failures.keys where !wanted.contains(key) && state.running[key] == nil {
            state.failures[key] = nil
        }
    }

    private func start(key: String, entry: JSONValue, connectors: [String: JSONValue], state: inout State, now: Double)
    {
        let name = entry["connector"].asString
        let binary = directory + "MistOut" + name
        let arguments = OptionArguments.arguments(for: entry, capabilities: connectors[name] ?? .null)
        do {
            let pid = try ChildProcess.spawn(binary, arguments: arguments, standardError: logDescriptor)
            state.running[key] = Child(pid: pid, started: now, name: name)
            logger.mist(kind: "CONF", "Started connector \(key) (pid \(pid))")
            Triggers.notify("OUTPUT_START", payload: key, logger: logger)
        } catch {
            var backoff = state.backoff[key] ?? Backoff(failures: 0, retryAt: now)
            backoff.failures += 1
            backoff.retryAt = now + ConnectorSupervisor.maximumBackoff
            state.backoff[key] = backoff
            logger.mist(.error, "Could not start connector \(key): \(error)")
        }
    }
}
