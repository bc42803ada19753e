import MistCore
import MistInput

MistProcess.main(InputPrograms.mp4)
