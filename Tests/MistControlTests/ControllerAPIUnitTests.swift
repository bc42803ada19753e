import Foundation
import MistCore
import MistData
import Testing

@testable import MistControl

@Suite struct APIAuthorizationTests {
    @Test func challengeIsMD5OfDayZeroBasedMonthYearAndHost() {
        setenv("TZ", "UTC", 1)
        tzset()
        // 2026-11-25 12:00 UTC: "25-10-2026" (November is month 10 counted from 0) + host.
        #expect(APIAuthorization.challenge(host: "127.0.0.1", at: 1_795_608_000) == "ab205061a6d0732c5dc12b4acb44fac7")
    }

    @Test func loginStatesFollowMistServer() {
        var storage: JSONValue = ["account": ["admin": ["password": "5ebe2294ecd0e0f08eab7690d2a6ee69"]]]
        var response = JSONValue.emptyObject
        var outcome = APIAuthorization.authorize([:], response: &response, storage: &storage, host: "10.1.2.3")
        #expect(outcome == .refused(failedPassword: false))
        #expect(response["authorize"]["status"] == "CHALL")
        let challenge = response["authorize"]["challenge"].asString
        let answer = ControllerConfig.md5Hex(ControllerConfig.md5Hex("secret") + challenge)
        outcome = APIAuthorization.authorize(
            ["authorize": ["username": "admin", "password": .string(answer)]], response: &response, storage: &storage,
            host: "10.1.2.3")
        #expect(outcome == .authorized)
        #expect(response["authorize"] == ["status": "OK"])
        // The same answer from another address is wrong: the challenge depends on the host.
        outcome = APIAuthorization.authorize(
            ["authorize": ["username": "admin", "password": .string(answer)]], response: &response, storage: &storage,
            host: "10.1.2.4")
        #expect(outcome == .refused(failedPassword: true))

        // Without accounts: NOACC, and new_username/new_password create the first one.
        var empty = JSONValue.emptyObject
        outcome = APIAuthorization.authorize([:], response: &response, storage: &empty, host: "10.1.2.3")
        #expect(response["authorize"] == ["status": "NOACC"])
        outcome = APIAuthorization.authorize(
            ["authorize": ["new_username": "first", "new_password": "pw"]], response: &response, storage: &empty,
            host: "10.1.2.3")
        #expect(response["authorize"]["status"] == "ACC_MADE")
        #expect(response["authorize"]["challenge"].isString)
        #expect(empty["account"]["first"]["password"] == .string(ControllerConfig.md5Hex("pw")))
    }

    @Test func localAddressRules() {
        let standard = LocalAddresses(
            rules: [.ipv4(network: 0x7F00_0000, mask: 0xFF00_0000), .exact("::1")], includeOwnAddresses: false)
        #expect(standard.contains("127.0.0.1"))
        #expect(standard.contains("127.3.4.5"))
        #expect(standard.contains("::ffff:127.0.0.1"))
        #expect(standard.contains("::1"))
        #expect(!standard.contains("203.0.113.9"))
        let custom = LocalAddresses(list: "10.0.0.0/8, 2001:db8::7")
        #expect(custom.contains("10.200.0.1"))
        #expect(custom.contains("2001:db8::7"))
        #expect(!custom.contains("127.0.0.1"))
        #expect(!LocalAddresses(list: "none").contains("127.0.0.1"))
    }
}

@Suite struct APIRequestTests {
    @Test func commandComesFromQueryFormBodyOrJSONBody() {
        let query = APIRequest(uri: "/api?command=%7B%22streams%22%3Atrue%7D&callback=cb", contentType: nil, body: [])
        #expect(query.path == "/api")
        #expect(query.command == ["streams": true])
        #expect(query.callback == "cb")
        let form = APIRequest(
            uri: "/api2", contentType: "application/x-www-form-urlencoded",
            body: Array("command=%7B%22log%22%3A1%7D&jsonp=p".utf8))
        #expect(form.command == ["log": 1])
        #expect(form.callback == "p")
        let json = APIRequest(uri: "/api", contentType: "application/json", body: Array(#"{"a":[1,2]}"#.utf8))
        #expect(json.command == ["a": [1, 2]])
        let bad = APIRequest(uri: "/api?command=%7Bnope", contentType: nil, body: [])
        #expect(bad.command == .null)
        #expect(bad.commandError?.contains("not valid JSON") == true)
        let array = APIRequest(uri: "/api?command=%5B1%5D", contentType: nil, body: [])
        #expect(array.commandError == "The command is not a JSON object")
        // A callback that is not a plain function name is not echoed into script.
        #expect(APIRequest(uri: "/api?callback=alert(1)", contentType: nil, body: []).callback == nil)
    }

    @Test func urlQueryDecoding() {
        let pairs = URLQuery.parse(Array("a=1+2&b=%41%zz&c&=x".utf8))
        #expect(pairs.map(\.name) == ["a", "b", "c", ""])
        #expect(pairs.map(\.value) == ["1 2", "A%zz", "", "x"])
        #expect(URLQuery.encode("a b/ü") == "a%20b%2F%C3%BC")
    }
}

@Suite struct ConfigEditingTests {
    static let capabilities: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/api-capabilities.response.json")
        return ((try? JSONParser.parse(Array((try? Data(contentsOf: url)) ?? Data()))) ?? .null)["capabilities"]
    }()

    static var connectors: [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (name, value) in capabilities["connectors"].objectValue ?? JSONObject() { result[name] = value }
        return result
    }

    @Test func streamNamesAreSanitisedAsMistServerDoes() {
        #expect(StreamName.sanitize("Live_Stream.1-a") == "live_stream.1-a")
        #expect(StreamName.sanitize("my stream?token=1") == "my+stream")
        #expect(StreamName.sanitize("base+Wild Card") == "base+Wild Card")
        #expect(StreamName.sanitize("bad!name/") == "badname")
        #expect(StreamName.isValidConfigured("live"))
        #expect(!StreamName.isValidConfigured("Live"))
        #expect(!StreamName.isValidConfigured(""))
        #expect(!StreamName.isValidConfigured(String(repeating: "a", count: 101)))
        #expect(StreamName.baseName("live+cam") == "live")
    }

    @Test func protocolsAreClassifiedFromTheirCapabilities() {
        let connectors = Self.connectors
        #expect(connectors.count > 20)
        func decision(_ entry: JSONValue) -> String {
            switch ConnectorSupervisor.classify(entry, connectors: connectors) {
            case .run: return "run"
            case .notRun(let reason): return reason
            }
        }
        #expect(decision(["connector": "RTMP"]) == "run")
        #expect(decision(["connector": "HLS"]) == "Enabled")
        #expect(decision(["connector": "HTTPS"]) == "Invalid configuration")
        #expect(decision(["connector": "HTTPS", "cert": "/c.pem", "key": "/k.pem"]) == "run")
        #expect(decision(["connector": "Nope"]) == "Not installed")
        #expect(decision(["port": 1]) == "Missing connector name")
        // The defaults: every protocol without required options.
        let defaults = (Controller.defaultProtocols(connectors).arrayValue ?? []).map(\.["connector"].asString)
        #expect(defaults.contains("HTTP") && defaults.contains("RTMP") && defaults.contains("DTSC"))
        #expect(!defaults.contains("HTTPS") && !defaults.contains("TS") && !defaults.contains("JSONLine"))
    }

    @Test func protocolOptionsBecomeFlags() {
        let rtmp = Self.connectors["RTMP"] ?? .null
        let arguments = OptionArguments.arguments(
            for: ["connector": "RTMP", "port": "1936", "interface": "127.0.0.1", "debug": 5, "unknown": 1],
            capabilities: rtmp)
        #expect(arguments == ["--debug", "5", "--interface", "127.0.0.1", "--port", "1936"])
        let flags: JSONValue = [
            "optional": ["flag": ["option": "--flag"], "list": ["option": "-l", "type": "inputlist"]]
        ]
        #expect(
            OptionArguments.arguments(for: ["flag": true, "list": ["a", "b"]], capabilities: flags) == [
                "--flag", "-l", "a", "-l", "b",
            ])
        #expect(OptionArguments.arguments(for: ["flag": false], capabilities: flags).isEmpty)
    }

    @Test func protocolListEditsCompareByValueIgnoringOnline() {
        var protocols: JSONValue = [["connector": "RTMP", "port": 1935]]
        var editor = ProtocolListEditor()
        editor.add(
            [["connector": "DTSC"], ["port": 1935, "connector": "RTMP", "online": 1], ["connector": "X", "y": nil]],
            to: &protocols)
        #expect(protocols == [["connector": "RTMP", "port": 1935], ["connector": "DTSC"], ["connector": "X"]])
        editor.update([["connector": "DTSC"], ["connector": "DTSC", "port": 4201]], in: &protocols)
        #expect(protocols[1] == ["connector": "DTSC", "port": 4201])
        editor.delete(["connector": "RTMP", "port": 1935, "online": 0], from: &protocols)
        #expect(protocols.count == 2)
        editor.update(["only one"], in: &protocols)
        #expect(editor.errors.count == 1)
    }

    @Test func streamEditsFollowMistServersRules() {
        var streams: JSONValue = ["old": ["name": "old", "source": "push://"]]
        var editor = StreamConfigEditor(logger: .init(label: "test"))
        editor.add(["new": ["source": "/a.mp4", "x": nil, "online": 1], "Bad!": ["source": "push://"]], to: &streams)
        #expect(streams["new"] == ["source": "/a.mp4", "name": "new"])
        #expect(!streams.hasMember("Bad!"))
        #expect(editor.errors == ["Invalid stream name Bad!; suggested alternative: bad"])
        editor.replaceAll(with: ["new": ["source": "/b.mp4"]], in: &streams)
        #expect(streams == ["new": ["source": "/b.mp4", "name": "new"]])
        editor.delete(names: ["new", 5], from: &streams)
        #expect(streams == .emptyObject)
        #expect(editor.errors.count == 2)
    }

    @Test func runtimeMembersAreNotSaved() {
        let config = ControllerConfig(storage: [
            "log": [1], "streams": ["a": ["online": 1, "error": "x", "source": "push://"]],
            "config": ["protocols": [["connector": "RTMP", "online": 1]]],
        ])
        #expect(
            Controller.persistable(config).storage == [
                "streams": ["a": ["source": "push://"]], "config": ["protocols": [["connector": "RTMP"]]],
            ])
    }
}
