import Logging
import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// The start of every binary's `main`: parses the command line from the binary's capabilities,
/// answers `-j`, `-h` and `-V`, sets up logging at the `-g` level, then runs the binary's body.
public enum MistProcess {
    /// Runs `program` with this process's command line, then exits with its status.
    public static func main(
        _ program: MistProgram, arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) -> Never {
        main(program.capabilities, arguments: arguments, body: program.body)
    }

    /// Runs `body` with the parsed options and a logger, then exits with its status.
    public static func main(
        _ capabilities: Capabilities, arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        body: (ParsedOptions, Logger) throws -> Int32
    ) -> Never {
        switch prepare(capabilities, arguments: arguments) {
        case .exit(let status, let text, let toStandardError):
            writeAll(text, to: toStandardError ? 2 : 1)
            exit(status)
        case .run(let options):
            let level = MistLogLevel(rawValue: Int(clamping: options.integer("debug") ?? 4)) ?? .dontEven
            // A level on the command line is this process's own; without one, the server's
            // `debug` setting applies as it changes.
            MistLog.bootstrap(program: capabilities.binary, level: level, pinned: options.isSet("debug"))
            if let stream = options.string("streamname") { MistLog.streamName = stream }
            let logger = Logger(label: capabilities.binary)
            raiseOpenFileLimit()
            // Writes to pipes whose reader left (a trigger handler, a child's log) fail instead
            // of killing the process.
            signal(SIGPIPE, SIG_IGN)
            do {
                exit(try body(options, logger))
            } catch {
                logger.mist(.fail, "\(error)")
                exit(1)
            }
        }
    }

    /// Lets the process keep as many sockets and pages open as the system allows: a server with
    /// a thousand viewers needs more than the usual soft limit of 1,024 descriptors.
    public static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// What a command line asks for before any work starts.
    public enum Outcome: Sendable {
        /// Print `text` and exit with `status` (for `-j`, `-h`, `-V` and usage errors).
        case exit(status: Int32, text: String, toStandardError: Bool)
        /// Go on and do the work.
        case run(ParsedOptions)
    }

    /// Parses `arguments` and decides whether the process only prints something.
    public static func prepare(_ capabilities: Capabilities, arguments: [String]) -> Outcome {
        let parser = CommandLineParser(capabilities)
        let options: ParsedOptions
        do {
            options = try parser.parse(arguments)
        } catch {
            return .exit(
                status: 1, text: "\(capabilities.binary): \(error)\n\n" + parser.usage(), toStandardError: true)
        }
        if options.flag("json") {
            let json = capabilities.json(version: MistVersion.capabilityVersion())
            return .exit(status: 0, text: JSONWriter.compact(json) + "\n", toStandardError: false)
        }
        if options.flag("help") {
            return .exit(status: 0, text: parser.usage(), toStandardError: false)
        }
        if options.flag("version") {
            return .exit(
                status: 0, text: "Version: \(MistVersion.version), release \(MistVersion.release)\n",
                toStandardError: false)
        }
        return .run(options)
    }
}
