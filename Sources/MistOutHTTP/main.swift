import MistCore
import MistOutput

MistProcess.main(HTTPCapabilities.declaration) { options, logger in
    try ListenLoop.run(options, logger: logger) { connection, logger in
        HTTPSession(connection: connection, logger: logger).run()
    }
}
