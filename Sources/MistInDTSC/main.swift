import MistCore
import MistInput

#if canImport(Glibc)
    import Glibc
#endif

MistProcess.main(DTSCInputCapabilities.declaration) { options, logger in
    guard let stream = options.string("streamname"), !stream.isEmpty else {
        logger.mist(.fail, "No stream name given (-s)")
        return 1
    }
    // Stop signals are taken synchronously, so the stream's pages are always removed on the way out.
    let stopSignals = StopSignals.block()
    let source = options.string("input") ?? "-"
    if source.hasPrefix("dtsc:") {
        let pull = try DTSCPullInput(
            url: source, stream: stream, bufferWindow: UInt64(options.integer("DVR") ?? 50000), logger: logger)
        try pull.run { stopSignals.arePending }
        return 0
    }
    // Video on demand: load the file, then serve it until told to stop.
    let writer = try DTSCFileInput(path: source, stream: stream, logger: logger).load()
    logger.mist(.info, "Loaded \(source) into \(stream): \(writer.trackCount) track(s)")
    // Stay while viewers read it, and for the inactivity timeout after the last one leaves.
    let timeout = Int(options.integer("inputtimeout") ?? 30) * 1000
    var idle = 0
    while !stopSignals.arePending && idle < timeout {
        usleepMilliseconds(250)
        idle = writer.viewerCount() > 0 ? 0 : idle + 250
    }
    logger.mist(.info, stopSignals.arePending ? "Stopping \(stream)" : "Unloading \(stream): no viewers")
    writer.close()
    return 0
}
