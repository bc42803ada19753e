import Foundation
import MistData
import Testing

/// The controller's `/ws` API as MistServer's interface uses it: `["auth", false]` and a login
/// with the challenge for a client that must log in, then the last log lines and every new one,
/// and the stream table with its changes; a client that never logs in is sent away after 10 s.
@Suite struct APIWebSocketTests {
    static let account = #""account": {"admin": {"password": "5ebe2294ecd0e0f08eab7690d2a6ee69"}},"#

    /// The next `[kind, body]` message of `kind`, skipping others.
    static func next(_ kind: String, from client: WebSocketTestClient, seconds: Double = 10) throws -> JSONValue? {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 {
            guard case .text(let text) = try client.next(seconds: deadline.timeIntervalSinceNow) else { return nil }
            let message = try JSONParser.parse(text)
            if message[0].asString == kind { return message[1] }
        }
        return nil
    }

    @Test(.enabled(if: MediaTools.available)) func aLoggedInClientFollowsLogsAndStreams() throws {
        let folder = try MediaTools.temporaryFolder("wsapi")
        defer { try? FileManager.default.removeItem(at: folder) }
        let suite = try LivePushSuite(
            folder: folder, extraConfig: Self.account, environment: ["MIST_API_LOCAL": "none"],
            credentials: ("admin", "secret"))
        defer { suite.stop() }
        let port = suite.controller.apiPort

        let client = try WebSocketTestClient(port: port, path: "/ws?logs=5&streams=1")
        defer { client.close() }
        #expect(try Self.next("auth", from: client) == false)
        // Nothing but a login is taken before it: a wrong one gets the challenge back.
        try client.send(json: ["auth", ["username": "admin", "password": "wrong"]])
        let refused = try #require(try Self.next("auth", from: client))
        #expect(refused["status"] == "CHALL")
        let challenge = refused["challenge"].asString
        #expect(challenge.count == 32)
        try client.send(json: [
            "auth", ["username": "admin", "password": .string(md5Hex(md5Hex("secret") + challenge))],
        ])
        #expect(try Self.next("auth", from: client) == ["status": "OK"])

        // The last five log lines come first, in the `log` call's seven-member shape.
        let first = try #require(try Self.next("log", from: client))
        #expect(first.arrayValue?.count == 7 && first[0].intValue != nil && first[5].asString.hasPrefix("Mist"))
        // The stream table: `live` is online (4) with its RTMP input counted.
        var live: JSONValue = .null
        #expect(
            waitFor(seconds: 15) {
                guard let row = try? Self.next("stream", from: client, seconds: 2), row[0] == "live" else {
                    return false
                }
                live = row
                return row[1] == 4 && (row[3].intValue ?? 0) >= 1
            }, "\(live)")
        #expect(live.arrayValue?.count == 6 && live[5].isString)

        // A new log line arrives as it is written: a failed login elsewhere logs one.
        let probe = "probe\(Int.random(in: 1000...9999))"
        _ = try suite.controller.client().call(#"{"authorize": {"username": "\#(probe)", "password": "x"}}"#)
        var seen = false
        let deadline = Date().addingTimeInterval(5)
        while !seen && deadline.timeIntervalSinceNow > 0 {
            guard let line = try Self.next("log", from: client, seconds: deadline.timeIntervalSinceNow) else { break }
            seen = line[1] == "AUTH" && line[2].asString.contains(probe)
        }
        #expect(seen)

        // A viewer shows in the stream's row.
        let viewer = try MediaTools.ffmpeg(
            ["-t", "20", "-i", "http://127.0.0.1:\(suite.httpPort)/live.ts", "-f", "null", "-"],
            log: folder.appendingPathComponent("viewer.log"))
        defer { BoundedWait.stop(viewer) }
        #expect(
            waitFor(seconds: 20) {
                guard let row = try? Self.next("stream", from: client, seconds: 2) else { return false }
                return row[0] == "live" && (row[2].intValue ?? 0) >= 1
            })
    }

    @Test func aLocalClientIsLetInAndASilentOneIsSentAwayAfterTenSeconds() throws {
        let controller = try ControllerHarness(config: "{\(Self.account) \"config\": {}}")
        let local = try WebSocketTestClient(port: controller.apiPort, path: "/ws?logs=1")
        defer { local.close() }
        #expect(try Self.next("auth", from: local) == true)
        #expect(try Self.next("log", from: local) != nil)

        let stranger = try ControllerHarness(
            config: "{\(Self.account) \"config\": {}}", environment: ["MIST_API_LOCAL": "none"])
        let silent = try WebSocketTestClient(port: stranger.apiPort, path: "/ws?logs=10")
        defer { silent.close() }
        let started = Date()
        #expect(try Self.next("auth", from: silent) == false)
        #expect(try Self.next("auth", from: silent, seconds: 15) == "Too slow, sorry")
        #expect(Date().timeIntervalSince(started) > 9)
        // Then the server closes; no log line was sent to the client that never logged in.
        var sawLog = false
        while let message = try silent.next(seconds: 3) {
            if case .text(let text) = message, text.hasPrefix("[\"log\"") { sawLog = true }
            if case .close = message { break }
        }
        #expect(!sawLog)
        // Anything but /ws is not upgraded.
        #expect(throws: WebSocketTestClient.Failure.self) {
            try WebSocketTestClient(port: stranger.apiPort, path: "/wsx")
        }
    }
}
