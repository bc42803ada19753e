import MistCore
import MistInput

MistProcess.main(InputPrograms.ebml)
