import MistCore
import MistInput

MistProcess.main(TSInputCapabilities.declaration) { options, logger in
    try FileInputRunner.run(options, logger: logger) { source, stream in
        try MediaFileInput(path: source, stream: stream, logger: logger, demux: TSInputCapabilities.demux).load()
    }
}
