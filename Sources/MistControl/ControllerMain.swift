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
        let configuration = try loadConfiguration(configPath, logger: logger)
        let streams = configuration["streams"].count
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

    /// Reads the configuration file; a missing file is an empty configuration, an unreadable or
    /// invalid one stops the start so it is never overwritten.
    static func loadConfiguration(_ path: String, logger: Logger) throws -> JSONValue {
        guard let file = fopen(path, "rb") else {
            if errno == ENOENT {
                logger.mist(.info, "No configuration at \(path) yet; starting with an empty one")
                return .emptyObject
            }
            throw ControllerError.configuration(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        if ferror(file) != 0 {
            throw ControllerError.configuration(path: path, reason: "read error")
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .emptyObject }
        do {
            let value = try JSONParser.parse(bytes)
            guard value.isObject else {
                throw ControllerError.configuration(path: path, reason: "the top level is not a JSON object")
            }
            return value
        } catch let error as JSONParseError {
            throw ControllerError.configuration(path: path, reason: error.description)
        }
    }
}
