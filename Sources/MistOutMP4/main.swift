import MistCore
import MistOutput

MistProcess.main(HTTPFormat.mp4.capabilities) { options, logger in
    try ListenLoop.run(options, logger: logger) { connection, logger in
        HTTPSession(connection: connection, logger: logger, formats: [.mp4]).run()
    }
}
