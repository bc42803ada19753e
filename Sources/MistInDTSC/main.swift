import MistCore
import MistInput

MistProcess.main(DTSCInputCapabilities.declaration) { options, logger in
    if (options.string("input") ?? "-").hasPrefix("dtsc:") {
        return try FileInputRunner.runLive(options, logger: logger) { source, stream, window, stop in
            try DTSCPullInput(url: source, stream: stream, bufferWindow: window, logger: logger).run(shouldStop: stop)
        }
    }
    // Video on demand: load the file, then serve it until told to stop or idle.
    return try FileInputRunner.run(options, name: "DTSC", logger: logger) { source, stream in
        try DTSCFileInput(path: source, stream: stream, logger: logger).load()
    }
}
