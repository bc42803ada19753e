import MistCore
import MistOutput

MistProcess.main(RTMPCapabilities.declaration) { options, logger in
    if PushOutput.target(options) != nil { return PushOutput.run(options, connector: "RTMP", logger: logger) }
    var configured = RTMPSession.Settings()
    configured.acceptable = Int(options.integer("acceptable") ?? 0)
    let settings = configured
    return try ListenLoop.run(options, logger: logger) { connection, logger in
        RTMPSession(connection: connection, logger: logger, settings: settings).run()
    }
}
