import MistCore
import MistOutput

MistProcess.main(DTSCCapabilities.declaration) { options, logger in
    try ListenLoop.run(options, logger: logger) { connection, logger in
        DTSCSession(connection: connection, logger: logger).run()
    }
}
