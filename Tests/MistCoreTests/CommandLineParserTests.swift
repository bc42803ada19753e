import MistData
import Testing

@testable import MistCore

@Suite struct CommandLineParserTests {
    let parser = CommandLineParser(CapabilitiesTests.sample)

    @Test func defaultsApplyWhenNothingIsGiven() throws {
        let options = try parser.parse([])
        #expect(options.integer("port") == 1234)
        #expect(options.string("interface") == "0.0.0.0")
        #expect(options.integer("debug") == 4)
        #expect(!options.flag("quiet"))
        #expect(!options.isSet("port"))
    }

    @Test(arguments: [
        ["-p", "99"], ["-p99"], ["--port", "99"], ["--port=99"],
    ])
    func acceptsEveryMistServerSpelling(arguments: [String]) throws {
        #expect(try parser.parse(arguments).integer("port") == 99)
    }

    @Test func bundledShortFlags() throws {
        let options = try parser.parse(["-qj", "-g", "7", "-mb"])
        #expect(options.flag("quiet") && options.flag("json"))
        #expect(options.integer("debug") == 7)
        #expect(options.string("mode") == "b")
    }

    @Test func versionAnswersToBothCases() throws {
        #expect(try parser.parse(["-v"]).flag("version"))
        #expect(try parser.parse(["-V"]).flag("version"))
        #expect(try parser.parse(["--version"]).flag("version"))
    }

    @Test func positionalArgumentsOfInputs() throws {
        let input = CommandLineParser(Capabilities.input(name: "Test", description: "d"))
        let options = try input.parse(["-s", "vod", "/srv/a.mp4"])
        #expect(options.string("streamname") == "vod")
        #expect(options.string("input") == "/srv/a.mp4")
        #expect(options.string("output") == "-")
        #expect(try input.parse(["--", "-odd name"]).string("input") == "-odd name")
        #expect(throws: CommandLineError.tooManyArguments("c")) { try input.parse(["a", "b", "c"]) }
    }

    @Test(arguments: [
        (["--nope"], CommandLineError.unknownOption("--nope")),
        (["-x"], CommandLineError.unknownOption("-x")),
        (["-p"], CommandLineError.missingValue("-p")),
        (["--port"], CommandLineError.missingValue("--port")),
        (["-p", "abc"], CommandLineError.invalidInteger(option: "-p", value: "abc")),
        (["-p", "-5"], CommandLineError.invalidInteger(option: "-p", value: "-5")),
        (["--quiet=1"], CommandLineError.unexpectedValue("--quiet")),
        (["-m", "c"], CommandLineError.invalidChoice(option: "-m", value: "c")),
        (["stray"], CommandLineError.tooManyArguments("stray")),
    ])
    func rejectsBadCommandLines(arguments: [String], expected: CommandLineError) {
        #expect(throws: expected) { try parser.parse(arguments) }
    }

    @Test func requiredOptionsMustBeGiven() throws {
        let declaration = Capabilities(
            name: "R", binary: "MistOutR", description: "d",
            required: [CapabilityOption("target", name: "Target", help: "Where", long: "target", short: "t")])
        let strict = CommandLineParser(declaration)
        #expect(throws: CommandLineError.missingRequired("--target")) { try strict.parse([]) }
        #expect(try strict.parse(["-t", "x"]).string("target") == "x")
        #expect(try strict.parse(["-j"]).flag("json"))  // -j works without the required options
    }

    @Test func usageListsEveryFlag() {
        let usage = parser.usage()
        for flag in ["--port, -p", "--interface, -i", "--mode, -m", "--quiet, -q", "--json, -j", "--debug, -g"] {
            #expect(usage.contains(flag))
        }
        #expect(!usage.contains("configonly"))
    }

    @Test func processAnswersJsonHelpAndVersion() throws {
        guard case .exit(0, let json, false) = MistProcess.prepare(CapabilitiesTests.sample, arguments: ["-j"]) else {
            Issue.record("-j did not print and exit 0")
            return
        }
        #expect(try JSONParser.parse(json) == CapabilitiesTests.sample.json(version: MistVersion.version))
        guard case .exit(0, let help, false) = MistProcess.prepare(CapabilitiesTests.sample, arguments: ["-h"]) else {
            Issue.record("-h did not print and exit 0")
            return
        }
        #expect(help.hasPrefix("Usage: MistOutSample"))
        guard case .exit(1, let error, true) = MistProcess.prepare(CapabilitiesTests.sample, arguments: ["-Z"]) else {
            Issue.record("a bad flag did not exit 1")
            return
        }
        #expect(error.hasPrefix("MistOutSample: unknown option '-Z'"))
        guard case .run(let options) = MistProcess.prepare(CapabilitiesTests.sample, arguments: ["-p", "5"]) else {
            Issue.record("a good command line did not run")
            return
        }
        #expect(options.integer("port") == 5)
    }
}
