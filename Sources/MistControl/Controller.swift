import Logging
import MistCore
import MistData
import MistShm
import MistStream
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The controller's state shared by the API server and the supervision loop: the stored
/// configuration, the log, the discovered binaries and the running connectors.
public final class Controller: Sendable {
    /// Settings fixed at start.
    public struct Settings: Sendable {
        public var configPath: String
        /// The `-C` flag: `r` picks up edits of the file on disk, `w` writes changes on its own.
        public var configAccess: String = "rw"
        /// The API's bound address and port (for `api_endpoint`).
        public var apiInterface: String = "0.0.0.0"
        public var apiPort: Int = 4242
        /// Addresses whose requests skip the login (MistServer: loopback and the machine's own
        /// addresses); see `LocalAddresses`.
        public var localAddresses = LocalAddresses.standard
        /// The `--prometheus` passphrase.
        public var prometheus = ""

        public init(configPath: String) {
            self.configPath = configPath
        }
    }

    struct Stored {
        var config: ControllerConfig
        /// Unsaved changes exist since this monotonic time.
        var dirtySince: Double?
        /// The file's modification time when last read or written, to notice edits on disk.
        var fileTime: timespec?
        /// Wrong passwords per client address, for slowing down guessing.
        var failures: [String: (count: Int, last: Double)] = [:]
    }

    public let settings: Settings
    public let log: ControllerLog
    public let discovery: BinaryDiscovery
    public let supervisor: ConnectorSupervisor
    /// Outgoing pushes and recordings.
    public let pushes: PushSupervisor
    /// Connections and sessions of every process.
    public let statistics: SessionStatistics
    /// Where ended viewer sessions go (`accesslog`).
    let accessLog: AccessLog
    /// Runtime stream tags (`tag_stream`).
    let streamTags = StreamTagBook()
    /// What the stream processes last reported (`proc_status_update`), for `proc_list`.
    let processStatus = ProcessStatusBook()
    /// Changes of the streams' state and counts as `["stream", row]`, for `/ws` clients.
    let streamFeed = EventFeed()
    /// The rows last published on `streamFeed`, to send only what changed.
    let streamRowsSent = Mutex<[String: JSONValue]>([:])
    /// The `--prometheus` passphrase given on the command line (the configuration's wins when set).
    public let prometheusOption: String
    public let system = SystemLoad()
    /// A random id for this run, as MistServer's `iid`.
    public let instanceID: String
    /// MistServer's `systemBoot` (wall-clock milliseconds at monotonic zero), taken once: live
    /// streams' times count from it.
    static let systemBoot = GlobalConfigPage.systemBoot()
    let logger: Logger
    let stored: Mutex<Stored>
    /// What is published in shared memory for the other processes, by page name.
    private let published = Mutex<[String: JSONValue]>([:])
    /// Held while the configuration file is written, so saves do not interleave.
    private let saving = Mutex<Void>(())
    /// When each always-on stream's input was last started, so a failing one is retried calmly.
    private let alwaysOnStarts = Mutex<[String: Double]>([:])
    private let shuttingDown = Atomic<Bool>(false)
    /// How often `invalidate_sessions` was called: published, so every process forgets its
    /// USER_NEW answers when it changes.
    let invalidations = Atomic<Int>(0)
    /// Where the local UDP API listens (`udp://host:port`), once bound; published for the
    /// processes that send it commands.
    public let udpAPIAddress = Mutex("")
    /// The keys of the JWKS URLs in `jwks`.
    let jwksDownloads: JWKSDownloads
    /// Dynamic variables being evaluated now.
    private let refreshing = Mutex<Set<String>>([])

    public init(
        settings: Settings, config: ControllerConfig, log: ControllerLog, discovery: BinaryDiscovery,
        supervisor: ConnectorSupervisor, logger: Logger
    ) {
        self.settings = settings
        self.log = log
        self.discovery = discovery
        self.supervisor = supervisor
        pushes = PushSupervisor(
            directory: supervisor.directory, logDescriptor: supervisor.logDescriptor, logger: logger, log: log)
        let accessLog = AccessLog(logger: logger)
        self.accessLog = accessLog
        statistics = SessionStatistics(logger: logger) { entry in accessLog.record(entry) }
        prometheusOption = settings.prometheus
        jwksDownloads = JWKSDownloads(logger: logger)
        self.logger = logger
        var config = config
        Controller.addDefaults(&config.storage)
        self.stored = Mutex(Stored(config: config, fileTime: Controller.modificationTime(settings.configPath)))
        var id = ""
        for _ in 0..<16 { id.append(Character(Unicode.Scalar(UInt8(64 + UInt32.random(in: 0..<62))))) }
        self.instanceID = id
    }

    /// The stored configuration as it is now.
    public var storage: JSONValue { stored.withLock { $0.config.storage } }

    /// The Prometheus passphrase path: the configuration's, else the command line's.
    public var prometheusPath: String {
        storage["config"]["prometheus"].stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? prometheusOption
    }

    /// The origins (`config.api_trusted_origins`) whose pages may change the configuration
    /// through the API, and the names (`config.api_trusted_hosts`) besides addresses, `localhost`
    /// and the machine's name under which a browser may reach it with the local login bypass.
    public var browserTrust: (origins: Set<String>, hosts: Set<String>) {
        let config = stored.withLock { $0.config.storage["config"] }
        func names(_ key: String) -> Set<String> {
            Set((config[key].arrayValue ?? []).compactMap(\.stringValue).filter { !$0.isEmpty })
        }
        return (names("api_trusted_origins"), names("api_trusted_hosts"))
    }

    /// The Prometheus text: the machine (CPU in tenths of a percent, memory in KiB, as
    /// MistServer reports them), the log, the bandwidth limit, then the session statistics.
    public func prometheusText() -> String {
        let memory = SystemLoad.memory()
        let system: [(name: String, help: String, type: String, value: Int64)] = [
            ("mist_logs", "Count of log messages since server start.", "counter", Int64(log.total)),
            ("mist_cpu", "Total CPU usage in tenths of percent.", "gauge", self.system.cpuUse),
            ("mist_mem_total", "Total memory available in KiB.", "gauge", memory["total"].asInt),
            ("mist_mem_used", "Total memory in use in KiB.", "gauge", memory["used"].asInt),
            ("mist_shm_total", "Total shared memory available in KiB.", "gauge", memory["shmtotal"].asInt),
            (
                "mist_shm_used", "Total shared memory in use in KiB.", "gauge",
                memory["shmtotal"].asInt - memory["shmfree"].asInt
            ),
            (
                "mist_bw_limit", "Configured bandwidth limit in bytes per second.", "gauge",
                storage["bandwidth"]["limit"].intValue ?? 0
            ),
        ]
        return statistics.prometheus(system: system)
    }

    /// The JSON form of the Prometheus metrics.
    public func prometheusJSON() -> JSONValue {
        var json = JSONValue.emptyObject
        for line in prometheusText().split(separator: "\n") where !line.hasPrefix("#") {
            guard let brace = line.lastIndex(where: { $0 == "}" || $0 == " " }) else { continue }
            let name = String(line[..<brace]) + (line[brace] == "}" ? "}" : "")
            json[String(name.filter { $0 != " " })] = .int(
                Int64(line[line.index(after: brace)...].filter { $0 != " " }) ?? 0)
        }
        return json
    }

    /// Whether changes wait to be written to the file.
    public var hasUnsavedChanges: Bool { stored.withLock { $0.dirtySince != nil } }

    /// Whether shutdown was asked for (by the API or a signal).
    public var isShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }

    /// Asks the process to stop: the main thread waits for SIGTERM (and asks SYSTEM_STOP).
    public func requestShutdown() {
        kill(getpid(), SIGTERM)
    }

    /// Marks the controller as stopping (no more restarts) when a signal already arrived.
    public func requestShutdownWithoutSignal() {
        shuttingDown.store(true, ordering: .relaxed)
    }

    /// Enables MistServer's default protocols: every installed output that is not push-only, not
    /// marked no-default and needs no required option.
    public static func defaultProtocols(_ connectors: [String: JSONValue]) -> JSONValue {
        var protocols: [JSONValue] = []
        for name in connectors.keys.sorted() {
            guard let capabilities = connectors[name], !capabilities.hasMember("PUSHONLY"),
                !capabilities.hasMember("NODEFAULT"), capabilities["required"].count == 0
            else { continue }
            protocols.append(["connector": .string(name)])
        }
        return .array(protocols)
    }

    /// MistServer's defaults for session settings and bandwidth exceptions, added on load.
    static func addDefaults(_ storage: inout JSONValue) {
        let defaults: [(String, Int64)] = [
            ("sessionViewerMode", 14), ("sessionInputMode", 15), ("sessionOutputMode", 15),
            ("sessionUnspecifiedMode", 0), ("sessionStreamInfoMode", 1), ("tknMode", 15),
        ]
        for (key, value) in defaults where !storage["config"][key].isInt || storage["config"][key].asInt == 0 {
            if key == "sessionUnspecifiedMode" && storage["config"][key].isInt { continue }
            storage["config"][key] = .int(value)
        }
        if !storage["config"]["accesslog"].isString { storage["config"]["accesslog"] = "LOG" }
        if !storage["push_settings"].isObject { storage["push_settings"] = ["wait": 3, "maxspeed": 0] }
        if storage["bandwidth"]["exceptions"].count == 0 {
            storage["bandwidth"]["exceptions"] = [
                "::1", "127.0.0.0/8", "10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12",
            ]
        }
        if !storage["streams"].isObject { storage["streams"] = .emptyObject }
    }

    // MARK: publishing

    /// Publishes the binaries' capabilities (what inputs and outputs consult to start inputs) with
    /// this controller's pid, so a page left by a dead controller is recognised as stale.
    public func publishCapabilities() {
        var capabilities = JSONValue.emptyObject
        capabilities["connectors"] = Controller.objectFrom(discovery.connectors)
        capabilities["inputs"] = Controller.objectFrom(discovery.inputs)
        capabilities["processes"] = Controller.objectFrom(discovery.processes)
        capabilities["controller_pid"] = .int(Int64(getpid()))
        do {
            try ConfigPage.write(capabilities, to: StreamPageNames.capabilities)
        } catch {
            logger.mist(.error, "Cannot publish the capabilities: \(error)")
        }
    }

    /// Publishes each configured stream's settings where inputs and outputs read them, and
    /// withdraws those of deleted streams. Only changed settings are rewritten.
    public func publishStreams() {
        var wanted: [String: JSONValue] = [:]
        let storage = self.storage
        for (name, configuration) in storage["streams"].objectValue ?? JSONObject() {
            wanted[StreamPageNames.configuration(name)] = Controller.removingRuntimeMembers(configuration)
        }
        // MistServer's global settings page, read by the binaries of either code base.
        var global: JSONValue = [
            "iid": .string(instanceID), "udpApi": .string(udpAPIAddress.withLock { $0 }),
            "systemBoot": .int(Controller.systemBoot),
            "hrn": storage["config"]["serverid"].isString ? storage["config"]["serverid"] : "",
            "defaultStream": storage["config"]["defaultStream"].isString ? storage["config"]["defaultStream"] : "",
        ]
        for key in [
            "sessionViewerMode", "sessionInputMode", "sessionOutputMode", "sessionUnspecifiedMode",
            "sessionStreamInfoMode", "tknMode",
        ] {
            global[key] = .int(storage["config"][key].intValue ?? 0)
        }
        wanted[GlobalConfigPage.name] = global
        var writers: [String: (JSONValue) throws -> Void] = [GlobalConfigPage.name: { try GlobalConfigPage.write($0) }]
        // One page per trigger name, as MistServer's binaries read them.
        let triggers = storage["config"]["triggers"]
        for (trigger, handlers) in Triggers.parse(triggers) {
            let page = TriggerPage.name(trigger)
            wanted[page] = triggers[trigger]
            writers[page] = { _ in
                try TriggerPage.write(
                    trigger,
                    handlers.map {
                        TriggerPageEntry(
                            url: $0.handler, sync: $0.sync, streams: $0.streams, params: $0.params,
                            defaultResponse: $0.defaultResponse)
                    })
            }
        }
        // Push stream keys, checked by every ingest.
        var keys: [String: String] = [:]
        for (key, stream) in storage["streamkeys"].objectValue ?? JSONObject() {
            if let name = stream.stringValue { keys[key] = name }
        }
        var keysValue = JSONValue.emptyObject
        for (key, stream) in keys { keysValue[key] = .string(stream) }
        wanted[StreamKeysPage.name] = keysValue
        writers[StreamKeysPage.name] = { _ in try StreamKeysPage.write(keys) }
        // What MistServer's page has no field for.
        var extras: JSONValue = [
            "invalidate": .int(Int64(invalidations.load(ordering: .relaxed))),
            "trustedproxy": storage["config"]["trustedproxy"],
        ]
        // JSON Web Keys, for the tokens of viewers and publishers.
        // Inline keys, and those fetched from the JWKS URLs.
        extras["jwks"] = .array(
            (storage["jwks"].arrayValue ?? []).filter { $0.isArray && $0[0].isObject } + jwksDownloads.keys)
        // The log level: this process's at once, its children's within a second (those given
        // no level of their own).
        let debug = storage["config"]["debug"].intValue.map { Int(clamping: $0) }
        MistLog.set(level: debug)
        extras["debug"] = debug.map { .int(Int64($0)) } ?? .null
        accessLog.use(storage["config"]["accesslog"].isString ? storage["config"]["accesslog"].asString : "LOG")
        // Stream tags, for the `#tag` filters of triggers fired anywhere.
        var tags = JSONValue.emptyObject
        for (stream, list) in streamTags.all where !list.isEmpty { tags[stream] = .array(list.map { .string($0) }) }
        extras["stream_tags"] = tags.sortedKeys()
        wanted[StreamPageNames.serverExtras] = extras
        var values = JSONValue.emptyObject
        for (name, entry) in storage["variables"].objectValue ?? JSONObject() { values[name] = entry["value"] }
        wanted[StreamPageNames.variables] = values
        wanted[StreamPageNames.externalWriters] = storage["extwriters"].isArray ? storage["extwriters"] : .array([])
        wanted[StreamPageNames.protocols] =
            storage["config"]["protocols"].isArray ? storage["config"]["protocols"] : .array([])
        published.withLock { published in
            Triggers.configure(triggers, instance: instanceID)
            for (page, value) in wanted where published[page] != value {
                do {
                    if let writer = writers[page] { try writer(value) } else { try ConfigPage.write(value, to: page) }
                    published[page] = value
                } catch {
                    logger.mist(.error, "Cannot publish the settings of a stream: \(error)")
                }
            }
            for page in Array(published.keys) where wanted[page] == nil {
                ConfigPage.remove(page)
                published[page] = nil
            }
        }
        Triggers.reread()
    }

    /// Removes everything this controller published (at shutdown).
    public func withdrawPublished() {
        published.withLock { published in
            for page in published.keys { ConfigPage.remove(page) }
            published.removeAll()
        }
        ConfigPage.remove(StreamPageNames.capabilities)
    }

    // MARK: supervision

    /// One round of housekeeping, about once a second: connectors, CPU sample, saving and
    /// re-reading the configuration file.
    public func tick() {
        guard !isShuttingDown else { return }
        let protocols = stored.withLock { $0.config.storage["config"]["protocols"] }
        _ = supervisor.reconcile(protocols, connectors: discovery.connectors)
        refreshVariables()
        jwksDownloads.refresh(storage["jwks"].arrayValue ?? [])
        statistics.tick()
        syncStreamTags(active: Set(StreamCleanup.activeStreams()))
        publishStreams()
        publishStreamChanges()
        startAlwaysOnStreams()
        // Automatic pushes whose completion time passed are deleted (their pushes stop below).
        let unix = Int64(time(nil))
        stored.withLock { stored in
            for (id, rule) in stored.config.storage["auto_push"].objectValue ?? JSONObject()
            where (rule["completetime"].intValue ?? 0) > 0 && (rule["completetime"].intValue ?? 0) <= unix {
                stored.config.storage["auto_push"].removeMember(id)
                stored.dirtySince = stored.dirtySince ?? monotonicSeconds()
            }
        }
        let storage = self.storage
        pushes.tick(
            rules: storage["auto_push"], wait: storage["push_settings"]["wait"].doubleValue ?? 3,
            connectors: discovery.connectors,
            maxStarts: Int(clamping: storage["push_settings"]["maxspeed"].intValue ?? 0),
            tags: streamTags.tags)
        system.sample()
        if settings.configAccess.contains("w") { saveIfIdle() }
        if settings.configAccess.contains("r") { reloadIfEditedOnDisk() }
    }

    /// Runs the dynamic custom variables that are due, each on a thread of its own, and stores
    /// their new values.
    private func refreshVariables() {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let unix = Int64(now.tv_sec)
        let due = CustomVariables.due(storage["variables"], now: unix)
        for variable in due {
            let started = refreshing.withLock { $0.insert(variable.name).inserted }
            guard started else { continue }
            // Marked as run now, so it is not started again while it runs.
            stored.withLock { $0.config.storage["variables"][variable.name]["lastunix"] = .int(unix) }
            startDetachedThread { [self] in
                let value = CustomVariables.evaluate(name: variable.name, target: variable.target, wait: variable.wait)
                stored.withLock { stored in
                    guard stored.config.storage["variables"].hasMember(variable.name) else { return }
                    if let value { stored.config.storage["variables"][variable.name]["value"] = .string(value) }
                }
                refreshing.withLock { _ = $0.remove(variable.name) }
            }
        }
    }

    /// Starts the inputs of streams configured with `always_on`, so they run without viewers
    /// (MistServer's option for sources that must be pulled continuously).
    private func startAlwaysOnStreams() {
        for (name, configuration) in storage["streams"].objectValue ?? JSONObject()
        where configuration["always_on"].asBool && StreamStatus.current(of: name) == .off {
            let now = monotonicSeconds()
            let due = alwaysOnStarts.withLock { starts in
                guard now - (starts[name] ?? -.infinity) >= 5 else { return false }
                starts[name] = now
                return true
            }
            guard due else { continue }
            do {
                try StreamStarter.start(name, isProvider: true, waitUntilReady: false, logger: logger)
            } catch {
                logger.mist(.warn, "Cannot start always-on stream \(name): \(error)")
            }
        }
    }

    /// Stops the input of every active stream and waits up to `grace` seconds for them to go,
    /// so their pages are gone when the controller exits (at shutdown: nothing is left running,
    /// and a service manager that stops the controller finds nothing left behind).
    public func stopInputs(grace: Double = 5) {
        pushes.stopAll()
        var stopping: [pid_t] = []
        for name in StreamCleanup.activeStreams() {
            if let pid = Controller.stopInput(of: name, logger: logger) { stopping.append(pid) }
        }
        let deadline = monotonicSeconds() + grace
        while monotonicSeconds() < deadline {
            // Inputs the controller started itself are reaped here; the others belong to whoever
            // started them, and only their exit is watched.
            stopping = stopping.filter { pid in
                if let status = ChildProcess.reap(pid), status != -1 { return false }
                return StreamCleanup.processIsAlive(pid)
            }
            if stopping.isEmpty { break }
            usleepMilliseconds(20)
        }
        // The statistics pages of processes that ended since the last statistics pass.
        SessionStatistics.removePagesOfEndedProcesses()
    }

    /// Writes the configuration now; nil on success, else the reason.
    @discardableResult
    public func save() -> String? {
        // Written (and synced to disk) outside the configuration lock, one save at a time; a
        // change made meanwhile stays marked for the next save.
        saving.withLock { _ in
            let (snapshot, storage) = stored.withLock { ($0.config, $0.config.storage) }
            do {
                try Controller.persistable(snapshot).save(settings.configPath)
            } catch {
                logger.mist(.error, "\(error)")
                return "\(error)"
            }
            stored.withLock { stored in
                if stored.config.storage == storage { stored.dirtySince = nil }
                stored.fileTime = Controller.modificationTime(settings.configPath)
            }
            logger.mist(kind: "CONF", "Saved the configuration to \(settings.configPath)")
            return nil
        }
    }

    /// Saves when changes have waited 60 s without further changes (MistServer's `w` mode).
    private func saveIfIdle() {
        let due = stored.withLock { stored in stored.dirtySince.map { monotonicSeconds() - $0 >= 60 } ?? false }
        if due { save() }
    }

    /// Re-reads the file when someone else changed it (MistServer's `r` mode).
    private func reloadIfEditedOnDisk() {
        let onDisk = Controller.modificationTime(settings.configPath)
        let changed = stored.withLock { stored -> Bool in
            guard let onDisk else { return false }
            guard let known = stored.fileTime else { return true }
            return onDisk.tv_sec != known.tv_sec || onDisk.tv_nsec != known.tv_nsec
        }
        if changed { _ = reload(reason: "it changed on disk") }
    }

    /// Replaces the stored configuration with the file's; the current one stays when the file is
    /// missing or invalid. Nil on success, else the reason.
    func reload(reason: String) -> String? {
        do {
            var fresh = try ControllerConfig.load(settings.configPath)
            Controller.addDefaults(&fresh.storage)
            stored.withLock { stored in
                stored.config = fresh
                stored.dirtySince = nil
                stored.fileTime = Controller.modificationTime(settings.configPath)
            }
            logger.mist(kind: "CONF", "Reloaded the configuration from \(settings.configPath) because \(reason)")
            return nil
        } catch {
            stored.withLock { $0.fileTime = Controller.modificationTime(settings.configPath) }
            logger.mist(.error, "Not reloading the configuration: \(error)")
            return "\(error)"
        }
    }

    /// The configuration without runtime-only members (`log`, and `online`/`error` at any depth).
    static func persistable(_ config: ControllerConfig) -> ControllerConfig {
        var storage = config.storage
        storage.removeMember("log")
        return ControllerConfig(storage: removingRuntimeMembers(storage))
    }

    static func removingRuntimeMembers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var cleaned = JSONObject()
            for (key, member) in object where key != "online" && key != "error" {
                cleaned[key] = removingRuntimeMembers(member)
            }
            return .object(cleaned)
        case .array(let elements):
            return .array(elements.map(removingRuntimeMembers))
        default:
            return value
        }
    }

    static func modificationTime(_ path: String) -> timespec? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mtim
    }
}
