import MistControl
import MistCore

MistProcess.main(ControllerProgram.controller)
