import MistCore
import MistInput

MistProcess.main(TSInputCapabilities.declaration) { options, logger in
    if LiveTSInput.handles(options.string("input") ?? "-") {
        return try FileInputRunner.runLive(options, logger: logger) { source, stream, window, stop in
            try LiveTSInput(source: source, stream: stream, bufferWindow: window, logger: logger).run(shouldStop: stop)
        }
    }
    return try FileInputRunner.run(options, name: "TS", logger: logger) { source, stream in
        try MediaFileInput(path: source, stream: stream, logger: logger, demux: TSInputCapabilities.demux).load()
    }
}
