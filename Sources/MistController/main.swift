import MistControl
import MistCore

MistProcess.main(ControllerCapabilities.declaration) { options, logger in
    try ControllerMain.run(options, logger: logger)
}
