import MistCore
import MistStream

MistProcess.main(SessionKeeper.program)
