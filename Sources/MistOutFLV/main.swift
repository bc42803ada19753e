import MistCore
import MistOutput

MistProcess.main(HTTPFormat.flv.capabilities) { options, logger in
    try ListenLoop.run(options, logger: logger) { connection, logger in
        HTTPSession(connection: connection, logger: logger, formats: [.flv]).run()
    }
}
