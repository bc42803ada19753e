import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory generate-man-pages`: builds the suite,
/// asks every Mist binary for its capabilities (`-j`) and writes `man/<binary>.1` from them with
/// MistManPage, so the pages and the flags come from one declaration.
@main
struct GenerateManPages: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let build = try packageManager.build(.all(includingTests: false), parameters: .init(configuration: .debug))
        guard build.succeeded else {
            throw PluginFailure("build failed:\n\(build.logText)")
        }
        let generator = try context.tool(named: "MistManPage").url
        let folder = context.package.directoryURL.appendingPathComponent("man")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [String] = []
        for artifact in build.builtArtifacts where artifact.kind == .executable {
            let name = artifact.url.lastPathComponent
            let suiteBinary = ["MistIn", "MistOut", "MistProc", "MistUtil", "MistController", "MistSession"].contains {
                name.hasPrefix($0)
            }
            guard suiteBinary, !name.contains("-") else { continue }
            let capabilities = try run(artifact.url, arguments: ["-j"])
            guard !capabilities.isEmpty else { throw PluginFailure("\(artifact.url.path) -j printed nothing") }
            let json = context.pluginWorkDirectoryURL.appendingPathComponent(name + ".json")
            try capabilities.write(to: json)
            let page = try run(generator, arguments: [name, json.path])
            try page.write(to: folder.appendingPathComponent(name + ".1"))
            written.append(name)
        }
        print("Wrote \(written.count) man pages to man/: \(written.sorted().joined(separator: ", "))")
    }

    private func run(_ executable: URL, arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PluginFailure("\(executable.lastPathComponent) exited with \(process.terminationStatus)")
        }
        return data
    }
}

struct PluginFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
