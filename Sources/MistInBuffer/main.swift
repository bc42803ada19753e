import MistCore
import MistInput

#if canImport(Glibc)
    import Glibc
#endif

MistProcess.main(BufferCapabilities.declaration) { options, logger in
    guard let stream = options.string("streamname"), !stream.isEmpty else {
        logger.mist(.fail, "No stream name given (-s); the buffer serves exactly one stream")
        return 1
    }
    let stopSignals = StopSignals.block()
    var settings = BufferInput.Settings()
    settings.bufferWindow = UInt64(options.integer("DVR") ?? 50000)
    settings.inputTimeout = Int(options.integer("inputtimeout") ?? 30)
    settings.resume = options.string("resume") == "1"
    let buffer = try BufferInput(stream: stream, settings: settings, logger: logger)
    try buffer.run { stopSignals.arePending }
    return 0
}
