import MistCore
import MistOutput

MistProcess.main(RTMPCapabilities.declaration) { options, logger in
    let port = options.integer("port") ?? 1935
    logger.mist(.fail, "Cannot serve RTMP on port \(port): this build has no RTMP protocol support yet")
    return 2
}
