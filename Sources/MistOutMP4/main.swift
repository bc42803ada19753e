import MistCore
import MistOutput

MistProcess.main(OutputPrograms.mp4)
