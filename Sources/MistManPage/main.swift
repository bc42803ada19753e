import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a binary's `-j` capability JSON (on stdin) into a man page (on stdout).
/// Usage: `MistOutRTMP -j | MistManPage MistOutRTMP`

func printError(_ text: String) {
    var text = text + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func readStandardInput() -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return bytes
}

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    printError("usage: MistManPage <binary name> < capabilities.json")
    exit(1)
}
do {
    let capabilities = try JSONParser.parse(readStandardInput())
    print(ManPage(binary: arguments[1], capabilities: capabilities).render(), terminator: "")
} catch {
    printError("MistManPage: \(error)")
    exit(1)
}
