import MistData
import Testing

@testable import MistCore

@Suite struct CapabilitiesTests {
    static let sample = Capabilities.output(
        name: "Sample", friendlyName: "Sample protocol", description: "A protocol for tests", port: 1234,
        optional: [
            CapabilityOption(
                "mode", name: "Mode", help: "How to run", type: .select, long: "mode", short: "m", default: "a",
                choices: [("a", "First"), ("b", "Second")]),
            CapabilityOption("quiet", name: "Quiet", help: "Say less", type: nil, long: "quiet", short: "q"),
            CapabilityOption("configonly", name: "Config only", help: "Set in the configuration", type: .string),
        ],
        extra: ["url_rel": "/sample/$", "priority": 5])

    /// The shape MistServer's own outputs print for `-j` (checked against its RTMP output's
    /// answer in `../shared/fixtures/mistserver/api-capabilities.response.json`).
    @Test func serializesToMistServerShape() {
        let json = Self.sample.json(version: "3.10")
        #expect(json.objectValue?.keys == ["desc", "friendly", "name", "optional", "priority", "url_rel", "version"])
        #expect(json["name"] == "Sample")
        #expect(
            json["optional"]["port"] == [
                "default": 1234, "help": "TCP port to accept connections on", "name": "TCP port", "option": "--port",
                "short": "p", "type": "uint",
            ])
        #expect(json["optional"]["port"].objectValue?.keys == ["default", "help", "name", "option", "short", "type"])
        #expect(json["optional"]["interface"]["default"] == "0.0.0.0")
        #expect(
            json["optional"]["debug"] == [
                "help": "Log level: messages at or below this level are written (0-10)", "name": "debug",
                "option": "--debug", "type": "debug",
            ])
        #expect(json["optional"]["mode"]["select"] == [["a", "First"], ["b", "Second"]])
        #expect(json["optional"]["quiet"]["type"].isNull)
        #expect(json["optional"]["configonly"]["option"].isNull)
    }

    @Test func inputsListSourceAndInternalOptions() {
        let input = Capabilities.input(
            name: "Test", description: "d", extra: ["source_match": ["/*.tst"], "priority": 9])
        let json = input.json(version: "3.10")
        #expect(json["internal"]["realtime"]["option"] == "--realtime")
        #expect(json["source_match"] == ["/*.tst"])
        #expect(json["optional"]["streamname"].isNull)  // -s is a command line flag only, as in MistServer
        #expect(input.binary == "MistInTest")
    }
}

@Suite struct CapabilityVersionTests {
    /// Beside MistServer's controller, `-j` reports its version; beside ours, ours.
    @Test func versionFollowsAMistServerController() {
        #expect(
            MistVersion.compatibleVersion(fromVersionLine: "Version: 3.10, release Generic_x86_64\n- Flag: x\n")
                == "3.10")
        #expect(MistVersion.compatibleVersion(fromVersionLine: "Version: Unknown, release Generic_x86_64") == "Unknown")
        #expect(MistVersion.compatibleVersion(fromVersionLine: "Version: 3.10, release MistSwift 0.1.0") == nil)
        #expect(MistVersion.compatibleVersion(fromVersionLine: "Usage: MistController [options]") == nil)
        #expect(MistVersion.capabilityVersion(folder: "/nonexistent/") == MistVersion.version)
    }
}
