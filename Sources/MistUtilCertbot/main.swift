import MistCore
import MistUtil

MistProcess.main(CertbotHook.program)
