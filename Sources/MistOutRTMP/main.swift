import MistCore
import MistOutput

MistProcess.main(RTMPCapabilities.declaration) { options, logger in
    var configured = RTMPSession.Settings()
    configured.acceptable = Int(options.integer("acceptable") ?? 0)
    let settings = configured
    return try ListenLoop.run(options, logger: logger) { connection, logger in
        RTMPSession(connection: connection, logger: logger, settings: settings).run()
    }
}
