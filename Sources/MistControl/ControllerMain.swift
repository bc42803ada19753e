import Logging
import MistCore
import MistData
import MistStream
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// MistController's body: loads the configuration, discovers the binaries beside it, starts the
/// configured protocols, answers the API, and on SIGINT/SIGTERM (or the `shutdown` call) stops
/// everything it started.
public enum ControllerMain {
    public static func run(_ options: ParsedOptions, logger: Logger) throws -> Int32 {
        // Block the stop signals before any thread starts, so the wait below receives them.
        let stopSignals = StopSignals.block()
        if let logFile = options.string("logfile"), !logFile.isEmpty { try redirectOutput(to: logFile) }

        let log = ControllerLog()
        MistLog.setObserver { line in log.record(line) }
        setenv("MIST_CONTROL", "1", 1)  // children write machine-format log lines
        let logDescriptor = ChildLogReader.start(log: log)

        let configPath = options.string("configFile") ?? "config.json"
        let existed = access(configPath, F_OK) == 0
        var configuration = try ControllerConfig.load(configPath)
        if !existed { logger.mist(.info, "No configuration at \(configPath) yet; starting with a new one") }

        let discovery = BinaryDiscovery.scan(directory: ChildProcess.ownDirectory(), logger: logger)
        let protocols = discovery.connectors.keys.sorted().joined(separator: ", ")
        let inputs = discovery.inputs.keys.sorted().joined(separator: ", ")
        logger.mist(
            kind: "CONF",
            "Found \(discovery.connectors.count) protocol(s) (\(protocols)), \(discovery.inputs.count) input(s) (\(inputs))"
        )

        var changed = false
        // A level on the command line becomes the stored `debug`, as MistServer's controller does.
        if options.isSet("debug") {
            configuration.storage["config"]["debug"] = .int(options.integer("debug") ?? 4)
        }
        // Non-interactive account creation: -a user:password, or MIST_ACCOUNT in the environment.
        let environmentAccount = getenv("MIST_ACCOUNT").map { String(cString: $0) }
        if let pair = [options.string("account"), environmentAccount].compactMap({ $0 }).first(where: { !$0.isEmpty }) {
            guard configuration.addAccount(pair) else {
                throw ControllerError.configuration(path: configPath, reason: "accounts are given as user:password")
            }
            changed = true
            logger.mist(kind: "CONF", "Created account \(pair.prefix { $0 != ":" })")
        }
        if isatty(0) != 0 && isatty(1) != 0 {
            switch FirstStartPrompt.run(&configuration, connectors: discovery.connectors) {
            case .abort: return 0
            case .changed: changed = true
            case .unchanged: break
            }
        } else if !existed && configuration.storage["config"]["protocols"].count == 0 {
            configuration.storage["config"]["protocols"] = Controller.defaultProtocols(discovery.connectors)
            changed = true
            logger.mist(kind: "CONF", "Enabled the default protocols")
        }
        if !configuration.hasAccount {
            logger.mist(.warn, "No account exists yet; create one with -a user:password or MIST_ACCOUNT")
        }

        var settings = Controller.Settings(configPath: configPath)
        settings.configAccess = options.string("configrw") ?? "rw"
        settings.prometheus = options.string("prometheus") ?? ""
        let storedController = configuration.storage["config"]["controller"]
        settings.apiPort = Int(
            options.isSet("port") ? options.integer("port") ?? 4242 : storedController["port"].intValue ?? 4242)
        settings.apiInterface =
            options.isSet("interface")
            ? options.string("interface") ?? "0.0.0.0" : storedController["interface"].stringValue ?? "0.0.0.0"

        let supervisor = ConnectorSupervisor(
            directory: ChildProcess.ownDirectory(), logDescriptor: logDescriptor, logger: logger,
            lastError: { log.lastError(of: $0) })
        let controller = Controller(
            settings: settings, config: configuration, log: log, discovery: discovery, supervisor: supervisor,
            logger: logger)
        if changed, let problem = controller.save() {
            throw ControllerError.configuration(path: configPath, reason: problem)
        }

        controller.publishCapabilities()
        controller.publishStreams()
        controller.statistics.openSessionTable()
        guard Triggers.allow("SYSTEM_START", payload: MistVersion.version, logger: logger) else {
            logger.mist(kind: "CONF", "SYSTEM_START refused the start; stopping")
            controller.withdrawPublished()
            controller.statistics.closeSessionTable()
            return 1
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel: Channel
        do {
            channel = try APIServer.start(
                controller: controller, host: settings.apiInterface, port: settings.apiPort, group: group)
        } catch {
            try? group.syncShutdownGracefully()
            controller.withdrawPublished()
            controller.statistics.closeSessionTable()
            throw ControllerError.listen(address: "\(settings.apiInterface):\(settings.apiPort)", reason: "\(error)")
        }
        logger.mist(kind: "CONF", "API listening on \(settings.apiInterface):\(settings.apiPort)")
        let udpAPI = UDPAPIServer.start(controller: controller, group: group, logger: logger)
        reportMissingSetup(controller.storage, port: settings.apiPort, logger: logger)

        startDetachedThread {
            while !controller.isShuttingDown {
                controller.tick()
                usleepMilliseconds(250)
            }
        }
        logger.mist(kind: "CONF", "Controller started")

        var received = stopSignals.wait()
        // SYSTEM_STOP may keep the server running.
        while !Triggers.allow("SYSTEM_STOP", payload: "Shutting down because of signal \(received)", logger: logger) {
            logger.mist(kind: "CONF", "SYSTEM_STOP refused the shutdown; running on")
            received = stopSignals.wait()
        }
        controller.requestShutdownWithoutSignal()
        logger.mist(kind: "CONF", "Controller shutting down because of signal \(received)")
        try? channel.close().wait()
        try? udpAPI?.close().wait()
        try? group.syncShutdownGracefully()
        supervisor.stopAll()
        controller.stopInputs()
        controller.withdrawPublished()
        controller.statistics.closeSessionTable()
        if settings.configAccess.contains("w") && controller.hasUnsavedChanges { controller.save() }
        logger.mist(kind: "CONF", "Controller stopped")
        return 0
    }

    /// MistServer's hint when the server cannot do anything useful yet.
    private static func reportMissingSetup(_ storage: JSONValue, port: Int, logger: Logger) {
        var message = ""
        if storage["account"].count == 0 { message += "No login configured. " }
        if storage["config"]["protocols"].count == 0 { message += "No protocols enabled. " }
        if storage["streams"].count == 0 { message += "No streams configured. " }
        if !message.isEmpty {
            logger.mist(kind: "CONF", "\(message)Configure them through the API on port \(port)")
        }
    }

    private static func redirectOutput(to path: String) throws(ControllerError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw .configuration(path: path, reason: "cannot open the log file: \(String(cString: strerror(errno)))")
        }
        dup2(descriptor, 1)
        dup2(descriptor, 2)
        close(descriptor)
    }
}
