import MistCore
import MistInput

MistProcess.main(BufferCapabilities.declaration) { options, logger in
    guard let stream = options.string("streamname"), !stream.isEmpty else {
        logger.mist(.fail, "No stream name given (-s); the buffer serves exactly one stream")
        return 1
    }
    logger.mist(.fail, "Cannot buffer \(stream): this build has no shared-memory data plane yet")
    return 2
}
