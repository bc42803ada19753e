import MistControl
import MistCore
import MistInput
import MistOutput
import MistStream
import MistUtil

#if canImport(Glibc)
    import Glibc
#endif

// The packaged suite is this one binary: every `Mist*` name is a link to it, and the name it
// is started by picks the program. One copy of the core on disk and in memory, shared by
// every process, instead of a static copy per binary. `mistswift <Name> [options]` works too.
let programs =
    [ControllerProgram.controller] + InputPrograms.all + OutputPrograms.all + [
        CertbotHook.program, SessionKeeper.program,
    ]
let arguments = CommandLine.arguments
let invokedAs = String((arguments.first ?? "").split(separator: "/").last ?? "")

if let program = programs.first(where: { $0.name == invokedAs }) {
    MistProcess.main(program, arguments: Array(arguments.dropFirst()))
}
if arguments.count > 1, let program = programs.first(where: { $0.name == arguments[1] }) {
    MistProcess.main(program, arguments: Array(arguments.dropFirst(2)))
}
let usage =
    "Usage: mistswift <program> [options], or run a program through its link of the same name.\n"
    + "Programs: " + programs.map(\.name).joined(separator: " ") + "\n"
_ = usage.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
// Bare `mistswift` only asks for the usage; an unknown program name is an error.
exit(arguments.count > 1 ? 1 : 0)
