import MistCore
import MistOutput

MistProcess.main(DTSCCapabilities.declaration) { options, logger in
    if PushOutput.target(options) != nil { return PushOutput.run(options, connector: "DTSC", logger: logger) }
    return try ListenLoop.run(options, logger: logger) { connection, logger in
        DTSCSession(connection: connection, logger: logger).run()
    }
}
