import MistCore
import MistOutput

MistProcess.main(HTTPFormat.hls.capabilities) { options, logger in
    if PushOutput.target(options) != nil { return PushOutput.run(options, connector: "HLS", logger: logger) }
    return try ListenLoop.run(options, logger: logger) { connection, logger in
        HTTPSession(connection: connection, logger: logger, formats: [.hls]).run()
    }
}
