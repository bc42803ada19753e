import Logging
import MistCore
import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// The stream processes of one live stream (its configuration's `processes`), as MistServer's
/// buffer runs them: each entry, with `source` set to the stream, is one `MistProc<process>`
/// child given that JSON as its argument. A process starts once the stream has tracks, stops
/// when its entry is removed or changed, and is restarted when it exits: at once (`fixed`,
/// after `restart_delay` ms when set), with a delay growing up to `restart_delay` (`backoff`),
/// or never again (`disabled`). A binary that is missing is logged once, not retried.
final class StreamProcessSupervisor {
    private struct Running {
        var pid: pid_t
        var name: String
    }

    private let stream: String
    private let logger: Logger
    private let directory: String
    /// Running children by their entry (the JSON argument they were given).
    private var running: [String: Running] = [:]
    /// Starts per entry, and when a restart may happen (monotonic seconds).
    private var boots: [String: Int] = [:]
    private var nextStart: [String: Double] = [:]
    private var missing: Set<String> = []

    init(stream: String, logger: Logger, directory: String = ChildProcess.ownDirectory()) {
        self.stream = stream
        self.logger = logger
        self.directory = directory
    }

    /// Brings the children in line with `processes` (the configuration's array); `hasTracks`
    /// says whether the stream has tracks to process yet.
    func check(_ processes: JSONValue, hasTracks: Bool) {
        reapEnded()
        var wanted: [String: JSONValue] = [:]
        if hasTracks {
            for entry in processes.arrayValue ?? [] where entry.isObject && !entry["process"].asString.isEmpty {
                var argument = entry
                argument["source"] = .string(stream)
                wanted[JSONWriter.compact(argument)] = argument
            }
        }
        for (key, child) in running where wanted[key] == nil {
            logger.mist(.info, "Stopping process \(child.name) (pid \(child.pid)) of \(stream): no longer configured")
            kill(child.pid, SIGTERM)
            ChildProcess.reapWhenDone(child.pid)
            running[key] = nil
            boots[key] = nil
            nextStart[key] = nil
        }
        let now = monotonicSeconds()
        for (key, entry) in wanted.sorted(by: { $0.key < $1.key }) where running[key] == nil {
            let name = "MistProc" + entry["process"].asString
            let restart = entry["restart_type"].stringValue ?? "fixed"
            let delay = Double(max(0, entry["restart_delay"].intValue ?? 0)) / 1000
            let booted = boots[key] ?? 0
            if booted > 0 && restart == "disabled" { continue }
            if booted > 0 && delay > 0 && nextStart[key] == nil {
                let factor = restart == "backoff" ? Double(1 << min(booted - 1, 10)) / 1024 : 1
                nextStart[key] = now + max(0.01, delay * factor)
            }
            if let at = nextStart[key], at > now { continue }
            guard !missing.contains(name) else { continue }
            guard access(directory + name, X_OK) == 0 else {
                missing.insert(name)
                logger.mist(.fail, "Cannot start process \(name) for \(stream): \(directory + name) is not installed")
                continue
            }
            var arguments = [JSONWriter.compact(entry)]
            if let debug = entry["debug"].intValue { arguments += ["--debug", String(debug)] }
            do {
                let pid = try ChildProcess.spawn(directory + name, arguments: arguments)
                running[key] = Running(pid: pid, name: name)
                boots[key] = booted + 1
                nextStart[key] = nil
                logger.mist(.info, "Started process \(name) (pid \(pid)) for \(stream)")
            } catch {
                logger.mist(.fail, "Cannot start process \(name) for \(stream): \(error)")
            }
        }
    }

    /// Forgets children that ended, saying how (their next start follows the restart rules).
    private func reapEnded() {
        for (key, child) in running {
            guard let status = ChildProcess.reap(child.pid) else { continue }
            logger.mist(.warn, "Process \(child.name) (pid \(child.pid)) of \(stream) ended with status \(status)")
            running[key] = nil
        }
    }

    /// Stops every child (the buffer is closing).
    func stopAll() {
        for child in running.values {
            kill(child.pid, SIGTERM)
            ChildProcess.reapWhenDone(child.pid)
        }
        running.removeAll()
    }
}
