import MistCore
import MistInput

MistProcess.main(TSInputCapabilities.declaration) { options, logger in
    let source = options.string("input") ?? "-"
    if LiveTSInput.handles(source) {
        guard let stream = options.string("streamname"), !stream.isEmpty else {
            logger.mist(.fail, "No stream name given (-s)")
            return 1
        }
        // Stop signals are taken synchronously, so the stream's pages are always removed on the way out.
        let stopSignals = StopSignals.block()
        let input = try LiveTSInput(
            source: source, stream: stream, bufferWindow: UInt64(options.integer("DVR") ?? 50000), logger: logger)
        try input.run { stopSignals.arePending }
        return 0
    }
    return try FileInputRunner.run(options, name: "TS", logger: logger) { source, stream in
        try MediaFileInput(path: source, stream: stream, logger: logger, demux: TSInputCapabilities.demux).load()
    }
}
