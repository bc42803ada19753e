import Foundation
import MistData
import Testing

/// The packaged suite is one binary, `mistswift`, with a link per program (see packaging/).
@Suite struct MultiCallBinaryTests {
    /// Every program with a man page, which is every program the package installs.
    static let programs: [String] = {
        let man = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("man")
        let pages = (try? FileManager.default.contentsOfDirectory(atPath: man.path)) ?? []
        return pages.filter { $0.hasSuffix(".1") }.map { String($0.dropLast(2)) }.sorted()
    }()

    /// A folder laid out as /usr/lib/mistswift: `mistswift` and a link to it for each of
    /// `programs`. A binary finds its siblings beside the file it runs from, links resolved, so
    /// the binary is copied in rather than linked to.
    static func linkFolder(_ programs: [String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mistswift-links-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: BinaryTests.directory.appendingPathComponent("mistswift"),
            to: folder.appendingPathComponent("mistswift"))
        for program in programs {
            try FileManager.default.createSymbolicLink(
                atPath: folder.appendingPathComponent(program).path, withDestinationPath: "mistswift")
        }
        return folder
    }

    @Test func eachLinkIsItsProgram() throws {
        #expect(Self.programs.count >= 16)
        let folder = try Self.linkFolder(Self.programs)
        defer { try? FileManager.default.removeItem(at: folder) }
        for program in Self.programs {
            let own = try BinaryTests.run(program, ["-j"])
            let linked = try BinaryTests.run(folder.appendingPathComponent(program).path, ["-j"])
            let named = try BinaryTests.run("mistswift", [program, "-j"])
            #expect(own.status == 0 && linked.status == 0 && named.status == 0)
            #expect(!own.stdout.isEmpty && linked.stdout == own.stdout, "\(program) through its link")
            #expect(named.stdout == own.stdout, "mistswift \(program)")
        }
        let unknown = try BinaryTests.run("mistswift", ["MistOutNothing"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("Programs: MistController"))
    }

    @Test func controllerThroughALinkRunsItsSiblingsThroughTheirs() throws {
        let folder = try Self.linkFolder(["MistController", "MistInBuffer", "MistOutHTTP"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let httpPort = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"live": {"name": "live", "source": "push://"}}}
                """, binaries: folder)
        #expect(controller.log.contains("Found 1 protocol(s) (HTTP), 1 input(s) (Buffer)"))
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        #expect(controller.children(named: "MistOutHTTP").count == 1)
        // The linked MistOutHTTP answers, and knows the stream has no input yet.
        #expect(try HTTPTestClient(port: httpPort).get("/json_live.js").json() == ["error": "Stream is offline"])
    }
}
