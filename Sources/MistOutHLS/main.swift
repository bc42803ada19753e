import MistCore
import MistOutput

MistProcess.main(HTTPFormat.hls.capabilities) { options, logger in
    try ListenLoop.run(options, logger: logger) { connection, logger in
        HTTPSession(connection: connection, logger: logger, formats: [.hls]).run()
    }
}
