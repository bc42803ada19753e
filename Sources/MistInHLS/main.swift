import MistCore
import MistInput

MistProcess.main(HLSInput.declaration) { options, logger in
    try HLSInput.run(options, logger: logger)
}
