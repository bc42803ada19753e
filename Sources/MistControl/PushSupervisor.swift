import Logging
import MistCore
import MistData
import MistShm
import MistStream
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The controller's outgoing pushes and recordings: each one an output process started with the
/// stream and target (`MistOut<X> --stream <s> <target>`), chosen by the target's `<name>:`
/// prefix or the outputs' `push_urls`; PUSH_OUT_START may rewrite or refuse the target, and
/// PUSH_END reports each one that ended. Automatic pushes start for matching active streams.
public final class PushSupervisor: Sendable {
    struct Push: Sendable {
        var pid: pid_t
        var stream: String
        var original: String
        var target: String
        var startedAt: Double
        var automatic: Bool
        /// The newest status its process reported, kept for PUSH_END (the process takes its
        /// page away when it ends).
        var lastStatus: JSONValue?
    }

    private let pushes = Mutex<[pid_t: Push]>([:])
    /// When an automatic push of a stream and target last started, so a failing one waits.
    private let lastAutomatic = Mutex<[String: Double]>([:])
    let directory: String
    let logDescriptor: Int32?
    let logger: Logger
    /// Where the pushes' log messages are kept (for `push_list` and PUSH_END).
    let log: ControllerLog?

    public init(directory: String, logDescriptor: Int32?, logger: Logger, log: ControllerLog? = nil) {
        self.directory = directory
        self.logDescriptor = logDescriptor
        self.logger = logger
        self.log = log
    }

    /// A push's last log messages, as MistServer lists them.
    func messages(of pid: pid_t) -> JSONValue { .array(log?.messages(of: pid) ?? []) }

    /// The output that writes `target`: a `<name>:` prefix names it (and is removed), else the
    /// first whose `push_urls` matches the target without its query.
    static func output(
        for target: String, connectors: [String: JSONValue], writers: JSONValue = .null
    ) -> (name: String, target: String)? {
        if let colon = target.firstIndex(of: ":"), !target[colon...].hasPrefix("://") {
            let prefix = target[..<colon].lowercased()
            if let name = connectors.keys.first(where: { $0.lowercased() == prefix }) {
                return (name, String(target[target.index(after: colon)...]))
            }
        }
        let location = String(target.prefix { $0 != "?" })
        for name in connectors.keys.sorted() {
            let patterns = connectors[name]?["push_urls"].arrayValue?.compactMap(\.stringValue) ?? []
            if patterns.contains(where: { InputSelector.matches(location, pattern: $0) }) { return (name, target) }
        }
        // A URL whose scheme an external writer takes goes to the output of its extension.
        if let scheme = location.split(separator: ":").first.map(String.init), location.contains("://"),
            (writers.arrayValue ?? []).contains(where: { ($0[2].arrayValue ?? []).contains(.string(scheme)) })
        {
            let path = "/" + (location.split(separator: "/").last.map(String.init) ?? "")
            for name in connectors.keys.sorted() {
                let patterns = connectors[name]?["push_urls"].arrayValue?.compactMap(\.stringValue) ?? []
                if patterns.contains(where: { $0.hasPrefix("/*.") && InputSelector.matches(path, pattern: $0) }) {
                    return (name, target)
                }
            }
        }
        return nil
    }

    /// Starts a push of `stream` to `target`; its id (the writer's pid), or nil when it could not start.
    @discardableResult
    public func start(stream: String, target original: String, connectors: [String: JSONValue], automatic: Bool = false)
        -> pid_t?
    {
        var target = Triggers.rewrite(
            "PUSH_OUT_START", stream: stream, payload: "\(stream)\n\(original)", current: original, logger: logger)
        guard !target.isEmpty else {
            logger.mist(.warn, "PUSH_OUT_START refused the push of \(stream) to \(original)")
            return nil
        }
        target = StreamVariables.substitute(target, stream: stream)
        let running = pushes.withLock {
            $0.values.contains { $0.stream == stream && ($0.original == original || $0.target == target) }
        }
        if running { return nil }
        let writers = ConfigPage.read(StreamPageNames.externalWriters) ?? .null
        guard let (name, argument) = PushSupervisor.output(for: target, connectors: connectors, writers: writers) else {
            logger.mist(.fail, "No output can push to \(target)")
            return nil
        }
        do {
            let pid = try ChildProcess.spawn(
                directory + "MistOut" + name, arguments: ["--stream", stream, argument], standardError: logDescriptor,
                extraEnvironment: ["MST_ORIG_TARGET=\(original)"])
            pushes.withLock {
                $0[pid] = Push(
                    pid: pid, stream: stream, original: original, target: target, startedAt: monotonicSeconds(),
                    automatic: automatic)
            }
            logger.mist(.info, "Pushing \(stream) to \(target) through MistOut\(name) (pid \(pid))")
            return pid
        } catch {
            logger.mist(.fail, "Could not start the push of \(stream) to \(target): \(error)")
            return nil
        }
    }

    /// `push_list` rows: `[id, stream, original target, effective target, logs, status]`.
    public var list: JSONValue {
        .array(
            pushes.withLock { Array($0.values) }.sorted { $0.pid < $1.pid }.map { push in
                [
                    .int(Int64(push.pid)), .string(push.stream), .string(push.original), .string(push.target),
                    messages(of: push.pid), status(of: push),
                ]
            })
    }

    /// A push's status: what its process reports (MistServer's `push_status_update` members),
    /// or at least how long it has run.
    func status(of push: Push) -> JSONValue {
        status(of: push, reported: ConfigPage.read(StreamPageNames.pushStatus(push.pid)))
    }

    /// A push's status from what its page held (`reported`, nil when there is no page).
    func status(of push: Push, reported: JSONValue?) -> JSONValue {
        var status = reported ?? .emptyObject
        if !status.isObject { status = .emptyObject }
        if !status.hasMember("active_seconds") {
            status["active_seconds"] = .int(Int64(monotonicSeconds() - push.startedAt))
        }
        return status.sortedKeys()
    }

    /// The ids of the pushes of `stream`.
    public func ids(of stream: String) -> [Int64] {
        pushes.withLock { $0.values.filter { $0.stream == stream }.map { Int64($0.pid) } }
    }

    /// Stops the pushes of `ids` (only pushes of this controller) with `signal`.
    public func stop(_ ids: [Int64], signal: Int32 = SIGTERM) {
        let known = pushes.withLock { Set($0.keys) }
        for id in ids where known.contains(pid_t(truncatingIfNeeded: id)) {
            kill(pid_t(truncatingIfNeeded: id), signal)
        }
    }

    /// Reaps pushes that ended (PUSH_END for each), and starts automatic pushes: each rule's
    /// target for every active stream it matches (`name`, `base+` or `#tag`), at most every
    /// `wait` seconds, and at most `maxStarts` a round (`push_settings.maxspeed`; 0: no limit;
    /// the others start in later rounds).
    public func tick(
        rules: JSONValue, wait: Double, connectors: [String: JSONValue], maxStarts: Int = 0,
        tags: (String) -> Set<String> = { _ in [] }
    ) {
        for (pid, push) in pushes.withLock({ $0 }) {
            guard let status = ChildProcess.reap(pid) else {
                // Only what the process itself reported (its page goes before it ends).
                if let reported = ConfigPage.read(StreamPageNames.pushStatus(pid)) {
                    let current = self.status(of: push, reported: reported)
                    pushes.withLock { $0[pid]?.lastStatus = current }
                }
                continue
            }
            pushes.withLock { _ = $0.removeValue(forKey: pid) }
            // Its final status, from its page if a kill left it there, else the newest read.
            let final =
                ConfigPage.read(StreamPageNames.pushStatus(pid)).map { self.status(of: push, reported: $0) }
                ?? push.lastStatus ?? self.status(of: push, reported: nil)
            ConfigPage.remove(StreamPageNames.pushStatus(pid))
            logger.mist(.info, "Push of \(push.stream) to \(push.target) ended (status \(status))")
            let payload = [
                String(pid), push.stream, push.original, push.target, JSONWriter.compact(messages(of: pid)),
                JSONWriter.compact(final),
            ]
            Triggers.notify("PUSH_END", stream: push.stream, payload: payload.joined(separator: "\n"), logger: logger)
        }
        guard rules.count > 0 else { return }
        let active = StreamCleanup.activeStreams().filter { StreamStatus.current(of: $0) == .ready }
        let now = monotonicSeconds()
        let unix = Int64(time(nil))
        let variables = StreamVariables.published()
        var startedNow = 0
        for (_, rule) in rules.objectValue ?? JSONObject() {
            guard let matcher = rule["stream"].stringValue, let target = rule["target"].stringValue else { continue }
            let inhibit =
                rule["inhibit"].arrayValue?.compactMap(\.stringValue) ?? [rule["inhibit"].stringValue].compactMap { $0 }
            // Off: not yet scheduled, past its completion, its end rule holds or its start rule does not.
            let scheduled = (rule["scheduletime"].intValue ?? 0) <= unix
            let complete = (rule["completetime"].intValue ?? 0) > 0 && (rule["completetime"].intValue ?? 0) <= unix
            let ended = rule["end_rule"].isArray && PushSupervisor.holds(rule["end_rule"], variables)
            let started = !rule["start_rule"].isArray || PushSupervisor.holds(rule["start_rule"], variables)
            guard scheduled && !complete && !ended && started else {
                stopPushes(matcher: matcher, target: target)
                continue
            }
            for stream in active
            where PushSupervisor.matches(stream, matcher, tags: tags(stream))
                && !inhibit.contains(where: { PushSupervisor.matches(stream, $0, tags: tags(stream)) })
            {
                guard maxStarts <= 0 || startedNow < maxStarts else { continue }
                let key = stream + "\u{0}" + target
                let due = lastAutomatic.withLock { table -> Bool in
                    guard now - (table[key] ?? -.infinity) >= max(wait, 1) else { return false }
                    table[key] = now
                    return true
                }
                if due, start(stream: stream, target: target, connectors: connectors, automatic: true) != nil {
                    startedNow += 1
                }
            }
        }
    }

    /// Stops the automatic pushes of a rule whose conditions no longer hold.
    private func stopPushes(matcher: String, target: String) {
        let pids = pushes.withLock { table in
            table.values.filter { $0.automatic && $0.original == target && PushSupervisor.matches($0.stream, matcher) }
                .map(\.pid)
        }
        for pid in pids { kill(pid, SIGTERM) }
    }

    /// Whether a `[variable, operator, value]` rule holds: 0 truthy, 1 falsy, 2 equal, 3 not
    /// equal, 10–13 numeric and 20–23 lexical `>`, `>=`, `<`, `<=`. An unknown variable fails.
    static func holds(_ rule: JSONValue, _ variables: [String: String]) -> Bool {
        let name = rule[0].asString
        var value = variables[name]
        if value == nil {
            // The built-in time variables.
            let substituted = StreamVariables.substitute("$" + name, custom: [:])
            if substituted != "$" + name { value = substituted }
        }
        guard let value else { return false }
        let other = StreamVariables.substitute(rule[2].stringValue ?? rule[2].asString, custom: variables)
        let number = Double(value) ?? 0
        let otherNumber = rule[2].doubleValue ?? Double(other) ?? 0
        switch rule[1].intValue ?? 0 {
        case 0: return TriggerHandler.isPositive(value)
        case 1: return !TriggerHandler.isPositive(value)
        case 2: return value == other
        case 3: return value != other
        case 10: return number > otherNumber
        case 11: return number >= otherNumber
        case 12: return number < otherNumber
        case 13: return number <= otherNumber
        case 20: return value > other
        case 21: return value >= other
        case 22: return value < other
        case 23: return value <= other
        default: return false
        }
    }

    /// MistServer's push stream matchers: an exact name, `base+` for all of its wildcard streams,
    /// or `#tag` for the streams with that tag (`tags` are the stream's).
    static func matches(_ stream: String, _ matcher: String, tags: Set<String> = []) -> Bool {
        if matcher.hasPrefix("#") { return tags.contains(String(matcher.dropFirst())) }
        if matcher.hasSuffix("+") { return stream.hasPrefix(matcher) && stream.count > matcher.count }
        return stream == matcher
    }

    /// Stops every push (at shutdown).
    public func stopAll() {
        for pid in pushes.withLock({ Array($0.keys) }) { kill(pid, SIGTERM) }
    }
}
