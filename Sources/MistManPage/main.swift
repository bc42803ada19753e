import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a binary's `-j` capability JSON into a man page (on stdout).
/// Usage: `MistOutRTMP -j | MistManPage MistOutRTMP` or `MistManPage MistOutRTMP capabilities.json`

func printError(_ text: String) {
    var text = text + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Everything readable from a file descriptor.
func readAll(_ descriptor: Int32) -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return bytes
}

let arguments = CommandLine.arguments
guard arguments.count == 2 || arguments.count == 3 else {
    printError("usage: MistManPage <binary name> [capabilities.json]  (reads stdin without a file)")
    exit(1)
}
var descriptor: Int32 = 0
if arguments.count == 3 {
    descriptor = open(arguments[2], O_RDONLY)
    if descriptor < 0 {
        printError("MistManPage: cannot open \(arguments[2])")
        exit(1)
    }
}
do {
    let capabilities = try JSONParser.parse(readAll(descriptor))
    print(ManPage(binary: arguments[1], capabilities: capabilities).render(), terminator: "")
} catch {
    printError("MistManPage: \(error)")
    exit(1)
}
