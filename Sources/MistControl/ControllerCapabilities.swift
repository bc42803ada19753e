import MistCore

/// MistController's command line, declared as MistServer's controller declares it.
public enum ControllerCapabilities {
    public static let declaration = Capabilities(
        name: "Controller", binary: "MistController", friendlyName: "Controller",
        description:
            "Supervises the suite: starts the configured protocol outputs and the inputs of active streams, "
            + "restarts them when they stop, keeps the configuration and answers the HTTP JSON API.",
        optional: [
            CapabilityOption(
                "port", name: "API port", help: "TCP port the API listens on", type: .unsignedInteger, long: "port",
                short: "p", default: 4242),
            CapabilityOption(
                "interface", name: "API interface",
                help: "Address the API listens on, or 0.0.0.0 for every interface", type: .string,
                long: "interface", short: "i", default: "0.0.0.0"),
            .username,
            CapabilityOption(
                "account", name: "Account", help: "Creates an account from a username:password pair",
                type: .string, long: "account", short: "a", default: ""),
            CapabilityOption(
                "logfile", name: "Log file", help: "Writes the log to this file instead of the standard output",
                type: .string, long: "logfile", short: "L", default: ""),
            CapabilityOption(
                "accesslog", name: "Access log",
                help: "Where the access log goes: LOG (the regular log), empty for none, or a file name",
                type: .string, long: "accesslog", short: "A", default: "LOG"),
            CapabilityOption(
                "configFile", name: "Configuration file", help: "The configuration file to load and save",
                type: .string, long: "config", short: "c", default: "config.json"),
            CapabilityOption(
                "configrw", name: "Configuration access",
                help: "r: pick up changes made on disk; w: save changes to disk; rw: both; anything else: neither",
                type: .string, long: "configrw", short: "C", default: "rw"),
            CapabilityOption(
                "prometheus", name: "Prometheus path",
                help: "Serves Prometheus metrics on this path of the API port when set", type: .string,
                long: "prometheus", short: "S", default: ""),
            .debug,
        ])
}
