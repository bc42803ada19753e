import MistCore
import MistOutput

MistProcess.main(OutputPrograms.webRTC)
