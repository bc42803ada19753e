import Logging
import MistCore
import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// MistController's body: loads the configuration, discovers the binaries beside it, and runs
/// until SIGINT or SIGTERM.
public enum ControllerMain {
    public static func run(_ options: ParsedOptions, logger: Logger) throws -> Int32 {
        // Block the stop signals before any thread starts, so the wait below receives them.
        let stopSignals = StopSignals.block()

        let configPath = options.string("configFile") ?? "config.json"
        var configuration = try ControllerConfig.load(configPath)
        if access(configPath, F_OK) != 0 {
            logger.mist(.info, "No configuration at \(configPath) yet; starting with an empty one")
        }
        // Non-interactive account creation: -a user:password, or MIST_ACCOUNT in the environment.
        let environmentAccount = getenv("MIST_ACCOUNT").map { String(cString: $0) }
        if let pair = [options.string("account"), environmentAccount].compactMap({ $0 }).first(where: { !$0.isEmpty }) {
            guard configuration.addAccount(pair) else {
                throw ControllerError.configuration(path: configPath, reason: "accounts are given as user:password")
            }
            try configuration.save(configPath)
            logger.mist(kind: "CONF", "Created account \(pair.prefix { $0 != ":" })")
        } else if !configuration.hasAccount {
            logger.mist(.warn, "No account exists yet; create one with -a user:password or MIST_ACCOUNT")
        }
        let streams = configuration.storage["streams"].count
        logger.mist(kind: "CONF", "Loaded \(configPath): \(streams) stream(s) configured")

        setenv("MIST_CONTROL", "1", 1)  // children write machine-format log lines
        let discovery = BinaryDiscovery.scan(directory: ChildProcess.ownDirectory(), logger: logger)
        let protocols = discovery.connectors.keys.sorted().joined(separator: ", ")
        let inputs = discovery.inputs.keys.sorted().joined(separator: ", ")
        logger.mist(
            kind: "CONF",
            "Found \(discovery.connectors.count) protocol(s) (\(protocols)), \(discovery.inputs.count) input(s) (\(inputs))"
        )
        logger.mist(kind: "CONF", "Controller started")

        let received = stopSignals.wait()
        logger.mist(kind: "CONF", "Controller shutting down because of signal \(received)")
        return 0
    }
}
