import Logging
import MistCore
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the suite's binaries in a folder and asks each for its capabilities (`-j`), as
/// MistServer's controller does at start.
public struct BinaryDiscovery: Sendable {
    /// Capabilities of the `MistOut*` binaries, keyed by protocol name (`"RTMP"`).
    public var connectors: [String: JSONValue] = [:]
    /// Capabilities of the `MistIn*` binaries, keyed by format name (`"Buffer"`).
    public var inputs: [String: JSONValue] = [:]
    /// Capabilities of the `MistProc*` binaries, keyed by process name.
    public var processes: [String: JSONValue] = [:]
    /// Binaries that failed to answer, with the reason.
    public var failures: [String: String] = [:]

    public init() {}

    /// Runs every `MistIn*`, `MistOut*` and `MistProc*` executable in `directory` with `-j`.
    public static func scan(directory: String, logger: Logger) -> BinaryDiscovery {
        var found = BinaryDiscovery()
        for name in executables(in: directory) {
            let kind: WritableKeyPath<BinaryDiscovery, [String: JSONValue]>
            let prefix: String
            if name.hasPrefix("MistOut") {
                (kind, prefix) = (\.connectors, "MistOut")
            } else if name.hasPrefix("MistIn") {
                (kind, prefix) = (\.inputs, "MistIn")
            } else if name.hasPrefix("MistProc") {
                (kind, prefix) = (\.processes, "MistProc")
            } else {
                continue
            }
            do {
                let result = try ChildProcess.run(directory + name, arguments: ["-j"])
                let capabilities = try JSONParser.parse(result.output)
                guard capabilities.isObject else {
                    found.failures[name] = "its -j output is not a JSON object"
                    continue
                }
                let key = capabilities["name"].stringValue ?? String(name.dropFirst(prefix.count))
                found[keyPath: kind][key] = capabilities
                logger.mist(.medium, "Found \(name): \(key)")
            } catch {
                found.failures[name] = "\(error)"
                logger.mist(.warn, "Ignoring \(name): \(error)")
            }
        }
        return found
    }

    private static func executables(in directory: String) -> [String] {
        DirectoryListing.entries(in: directory).filter { $0.isExecutable && $0.name.hasPrefix("Mist") }.map(\.name)
            .sorted()
    }
}
