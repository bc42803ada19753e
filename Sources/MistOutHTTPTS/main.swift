import MistCore
import MistOutput

MistProcess.main(HTTPFormat.ts.capabilities) { options, logger in
    try ListenLoop.run(options, logger: logger) { connection, logger in
        HTTPSession(connection: connection, logger: logger, formats: [.ts]).run()
    }
}
