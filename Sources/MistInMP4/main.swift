import MistCore
import MistInput

MistProcess.main(MP4InputCapabilities.declaration) { options, logger in
    try FileInputRunner.run(options, name: "MP4", logger: logger) { source, stream in
        try MediaFileInput(path: source, stream: stream, logger: logger, demux: MP4InputCapabilities.demux).load()
    }
}
