import Logging
import MistCore
import MistData
import MistShm
import MistStream

#if canImport(Glibc)
    import Glibc
#endif

/// The stream processes of one live stream (its configuration's `processes`), as MistServer's
/// buffer runs them: each entry, with `source` set to the stream, is one `MistProc<process>`
/// child given that JSON as its argument. A process starts once the stream has tracks, stops
/// when its entry is removed or changed, and is restarted when it exits: at once (`fixed`,
/// after `restart_delay` ms when set), with a delay growing up to `restart_delay` (`backoff`),
/// or never again (`disabled`). A binary that is missing is logged once, not retried. An entry
/// may wait for tracks it selects, or be held back by the stream's tags or tracks.
final class StreamProcessSupervisor {
    private struct Running {
        var pid: pid_t
        var name: String
        var entry: JSONValue
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

    /// Brings the children in line with `processes` (the configuration's array), given the
    /// stream's `tracks`, the tracks each running entry made (`made`, by entry) and the stream's
    /// `tags`. An entry runs only when its `source_track` or `track_select` selects a track, no
    /// tag of `tags_inhibit` is the stream's, and its `track_inhibit` selects no track but its
    /// own. Returned: the entries whose process ended or was stopped since the last check, and
    /// whether a process the stream waits for (not `inconsequential`) was started now, which
    /// keeps the stream "waiting for data" for this round as in MistServer.
    @discardableResult
    func check(_ processes: JSONValue, tracks: [StreamTrack], made: [String: [Int]], tags: Set<String>)
        -> (ended: [JSONValue], starting: Bool)
    {
        var starting = false
        var ended = reapEnded()
        var wanted: [String: JSONValue] = [:]
        if !tracks.isEmpty {
            for entry in processes.arrayValue ?? [] where entry.isObject && !entry["process"].asString.isEmpty {
                var argument = entry
                argument["source"] = .string(stream)
                let key = JSONWriter.compact(argument)
                if ProcessGate.admits(
                    argument, tracks: tracks, own: made[key] ?? [], running: running[key] != nil, tags: tags)
                {
                    wanted[key] = argument
                }
            }
        }
        for (key, child) in running where wanted[key] == nil {
            logger.mist(.info, "Stopping process \(child.name) (pid \(child.pid)) of \(stream): no longer wanted")
            kill(child.pid, SIGTERM)
            ChildProcess.reapWhenDone(child.pid)
            running[key] = nil
            boots[key] = nil
            nextStart[key] = nil
            ended.append(child.entry)
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
                running[key] = Running(pid: pid, name: name, entry: entry)
                if !entry["inconsequential"].asBool { starting = true }
                boots[key] = booted + 1
                nextStart[key] = nil
                logger.mist(.info, "Started process \(name) (pid \(pid)) for \(stream)")
            } catch {
                logger.mist(.fail, "Cannot start process \(name) for \(stream): \(error)")
            }
        }
        return (ended, starting)
    }

    /// Forgets children that ended, saying how (their next start follows the restart rules);
    /// their entries.
    private func reapEnded() -> [JSONValue] {
        var ended: [JSONValue] = []
        for (key, child) in running {
            guard let status = ChildProcess.reap(child.pid) else { continue }
            logger.mist(.warn, "Process \(child.name) (pid \(child.pid)) of \(stream) ended with status \(status)")
            running[key] = nil
            ended.append(child.entry)
        }
        return ended
    }

    /// Stops every child (the buffer is closing), except those that feed another stream: they
    /// may go on from another source (PROCESS_SWITCH_SOURCE) and end by themselves.
    func stopAll() {
        for child in running.values {
            let sink = ProcessSink.name(of: child.entry)
            if sink != stream {
                logger.mist(.info, "Leaving process \(child.name) (pid \(child.pid)) running: it feeds \(sink)")
                continue
            }
            kill(child.pid, SIGTERM)
            ChildProcess.reapWhenDone(child.pid)
        }
        running.removeAll()
    }
}
