import MistCore
import MistInput

MistProcess.main(DTSCInputCapabilities.declaration) { options, logger in
    let source = options.string("input") ?? "-"
    if source.hasPrefix("dtsc:") {
        guard let stream = options.string("streamname"), !stream.isEmpty else {
            logger.mist(.fail, "No stream name given (-s)")
            return 1
        }
        // Stop signals are taken synchronously, so the stream's pages are always removed on the way out.
        let stopSignals = StopSignals.block()
        let pull = try DTSCPullInput(
            url: source, stream: stream, bufferWindow: UInt64(options.integer("DVR") ?? 50000), logger: logger)
        try pull.run { stopSignals.arePending }
        return 0
    }
    // Video on demand: load the file, then serve it until told to stop or idle.
    return try FileInputRunner.run(options, name: "DTSC", logger: logger) { source, stream in
        try DTSCFileInput(path: source, stream: stream, logger: logger).load()
    }
}
