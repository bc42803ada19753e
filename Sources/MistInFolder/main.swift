import MistCore
import MistInput

MistProcess.main(FolderInput.declaration) { options, logger in
    try FolderInput.run(options, logger: logger)
}
