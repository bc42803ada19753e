import Logging
import MistCore
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// MistUtilCertbot: certbot's `--manual-auth-hook` and `--deploy-hook`, as MistServer's.
///
/// As the authentication hook it makes the HTTP connector on port 80 answer the HTTP-01
/// challenge (adding that connector when there is none), and waits until the controller runs
/// it; as the deploy hook it installs the new certificate on every HTTPS connector (or adds one
/// on port 443). It talks to the controller on the local UDP API and reads the running
/// configuration from its shared-memory pages, so it runs as the server's user.
public enum CertbotHook {
    public static let capabilities = Capabilities(
        name: "Certbot", binary: "MistUtilCertbot",
        description:
            "Certbot hook: run as certbot certonly --manual --preferred-challenges=http "
            + "--manual-auth-hook MistUtilCertbot --deploy-hook MistUtilCertbot -d <domain>, "
            + "as the user the server runs as. It changes the server's protocol configuration.",
        optional: [.debug])

    /// The program.
    public static let program = MistProgram(capabilities) { _, logger in
        let environment = Environment()
        if let lineage = environment["RENEWED_LINEAGE"] {
            return deploy(lineage: lineage, environment: environment, logger: logger)
        }
        if let validation = environment["CERTBOT_VALIDATION"], let token = environment["CERTBOT_TOKEN"] {
            return authenticate(token: token, validation: validation, environment: environment, logger: logger)
        }
        let usage =
            "Run by certbot: certbot certonly --manual --preferred-challenges=http --manual-auth-hook MistUtilCertbot "
            + "--deploy-hook MistUtilCertbot -d <domain>. Warning: it alters the server's configuration."
        logger.mist(.warn, "\(usage)")
        return 1
    }

    /// The process environment, read once (tests pass their own).
    struct Environment {
        var values: [String: String]
        init(_ values: [String: String]? = nil) {
            if let values {
                self.values = values
                return
            }
            var read: [String: String] = [:]
            var entry = environ
            while let pointer = entry.pointee {
                let text = String(cString: pointer)
                if let equals = text.firstIndex(of: "=") {
                    read[String(text[..<equals])] = String(text[text.index(after: equals)...])
                }
                entry += 1
            }
            self.values = read
        }
        subscript(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }
    }

    /// The port the challenge is answered on: 80, as ACME's HTTP-01 asks, unless
    /// `MIST_CERTBOT_HTTP_PORT` says otherwise (a port 80 forwarded elsewhere, or a test CA).
    static func challengePort(_ environment: Environment) -> Int64 {
        environment["MIST_CERTBOT_HTTP_PORT"].flatMap { Int64($0) } ?? 80
    }

    /// The port a new HTTPS connector gets: 443 unless `MIST_CERTBOT_HTTPS_PORT` says otherwise.
    static func httpsPort(_ environment: Environment) -> Int64 {
        environment["MIST_CERTBOT_HTTPS_PORT"].flatMap { Int64($0) } ?? 443
    }

    /// How long to give the controller to act on a change: 5 s, or `MIST_CERTBOT_SETTLE_MS`.
    static func settleMilliseconds(_ environment: Environment) -> Int {
        environment["MIST_CERTBOT_SETTLE_MS"].flatMap { Int($0) } ?? 5000
    }

    enum PortOwner: Equatable {
        case none
        case http(JSONValue)
        case other(String)
    }

    /// What runs on `port` in the published configuration.
    static func owner(of port: Int64) -> PortOwner {
        let protocols = ConfigPage.read(StreamPageNames.protocols)?.arrayValue ?? []
        let connectors = ConfigPage.read(StreamPageNames.capabilities)?["connectors"] ?? .null
        for entry in protocols {
            let connector = entry["connector"].asString
            var entryPort = entry["port"].intValue ?? 0
            if entryPort == 0 { entryPort = connectors[connector]["optional"]["port"]["default"].intValue ?? 0 }
            guard entryPort == port else { continue }
            if connector == "HTTP" || connector == "HTTP.exe" { return .http(entry) }
            return .other(connector)
        }
        return .none
    }

    static func authenticate(token: String, validation: String, environment: Environment, logger: Logger) -> Int32 {
        logger.mist(.info, "Called as certbot's --manual-auth-hook: answering the challenge")
        let combo = "\(token):\(validation)"
        let port = challengePort(environment)
        let command: JSONValue
        switch owner(of: port) {
        case .other(let connector):
            logger.mist(.fail, "Found \(connector) on port \(port); aborting. Please free up port \(port) for HTTP")
            return 1
        case .http(let entry):
            if entry["certbot"].stringValue == combo {
                logger.mist(.info, "The configuration already answers this challenge")
                return 0
            }
            var updated = entry
            updated["certbot"] = .string(combo)
            command = ["updateprotocol": [entry, updated]]
            logger.mist(.info, "Found HTTP on port \(port); setting its certbot option")
        case .none:
            command = ["addprotocol": ["connector": "HTTP", "port": .int(port), "certbot": .string(combo)]]
            logger.mist(.info, "Nothing on port \(port); adding an HTTP connector there for certbot")
        }
        UDPAPIClient.send(command)
        usleepMilliseconds(1000)
        var tries = 10
        while true {
            if case .http(let entry) = owner(of: port), entry["certbot"].stringValue == combo { break }
            tries -= 1
            guard tries > 0 else {
                logger.mist(
                    .fail,
                    "Timed out! Is the server running, and is certbot run as the same system user as the server?")
                return 1
            }
            logger.mist(.info, "Waiting for the controller to pick up the new configuration...")
            UDPAPIClient.send(command)
            usleepMilliseconds(1000)
        }
        // Time for the controller to restart the connector with the new option.
        usleepMilliseconds(settleMilliseconds(environment))
        logger.mist(.info, "Success: the challenge is answered on port \(port)")
        return 0
    }

    static func deploy(lineage: String, environment: Environment, logger: Logger) -> Int32 {
        logger.mist(.info, "Called as certbot's --deploy-hook: installing the certificate of \(lineage)")
        let certificate = lineage + "/fullchain.pem"
        let key = lineage + "/privkey.pem"
        let protocols = ConfigPage.read(StreamPageNames.protocols)?.arrayValue ?? []
        var commands: [JSONValue] = []
        for entry in protocols where entry["connector"].stringValue == "HTTPS" {
            var updated = entry
            updated["cert"] = .string(certificate)
            updated["key"] = .string(key)
            commands.append(["updateprotocol": [entry, updated]])
        }
        if commands.isEmpty {
            logger.mist(.info, "No HTTPS connector; adding one on port \(httpsPort(environment))")
            commands.append([
                "addprotocol": [
                    "connector": "HTTPS", "port": .int(httpsPort(environment)), "cert": .string(certificate),
                    "key": .string(key),
                ]
            ])
        }
        for command in commands {
            logger.mist(.info, "Executing: \(JSONWriter.compact(command))")
            // Three times, half a second apart, as MistServer's: UDP may drop one.
            for round in 0..<3 {
                if round > 0 { usleepMilliseconds(500) }
                UDPAPIClient.send(command)
            }
        }
        usleepMilliseconds(settleMilliseconds(environment))
        return 0
    }
}
