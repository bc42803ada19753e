import MistCore
import MistInput

MistProcess.main(PlaylistInput.declaration) { options, logger in
    try PlaylistInput.run(options, logger: logger)
}
