import MistCore
import MistOutput

MistProcess.main(HTTPFormat.mp4.capabilities) { options, logger in
    if PushOutput.target(options) != nil { return PushOutput.run(options, connector: "MP4", logger: logger) }
    return try ListenLoop.run(options, logger: logger) { connection, logger in
        HTTPSession(connection: connection, logger: logger, formats: [.mp4]).run()
    }
}
