import MistCore
import MistInput

MistProcess.main(FLVInputCapabilities.declaration) { options, logger in
    try FileInputRunner.run(options, name: "FLV", logger: logger) { source, stream in
        try MediaFileInput(path: source, stream: stream, logger: logger, demux: FLVInputCapabilities.demux).load()
    }
}
