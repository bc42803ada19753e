import Foundation
import Testing

@testable import MistRTMP

/// HMAC-SHA256 through the openssl command, independent of the code under test.
func opensslHMAC(key: [UInt8], data: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    process.arguments = [
        "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + key.map { String(format: "%02x", $0) }.joined(),
        "-binary",
    ]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(data))
    try input.fileHandleForWriting.close()
    let digest = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Array(digest)
}

@Suite struct RTMPHandshakeTests {
    static let playerKey = Array("Genuine Adobe Flash Player 001".utf8)
    static let serverKey = Array("Genuine Adobe Flash Media Server 001".utf8)

    @Test func plainClientsGetTheirC1Echoed() throws {
        let c1 = [0, 0, 0, 0, 0, 0, 0, 0] + (0..<1528).map { UInt8($0 % 251) }
        let response = try RTMPHandshake.respond(to: [3] + c1)
        #expect(response.count == 1 + 2 * 1536)
        #expect(response[0] == 3)
        #expect(Array(response[5..<9]) == [0, 0, 0, 0])
        #expect(Array(response[1537...]) == c1)
        #expect(throws: RTMPError.badVersion(9)) { try RTMPHandshake.respond(to: [9] + c1) }
        #expect(throws: RTMPError.malformed("handshake")) { try RTMPHandshake.respond(to: [3, 0]) }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func flashClientsGetSignedAnswers() throws {
        // A Flash-style C1: version bytes set, digest at the scheme-0 place.
        var c1 = [0, 0, 0, 0, 9, 0, 124, 2] + (0..<1528).map { UInt8(($0 * 7) % 256) }
        let position = Int(c1[8]) + Int(c1[9]) + Int(c1[10]) + Int(c1[11])
        let place = position % 728 + 12
        let clientDigest = try opensslHMAC(key: Self.playerKey, data: Array(c1[0..<place]) + Array(c1[(place + 32)...]))
        c1.replaceSubrange(place..<(place + 32), with: clientDigest)
        let response = try RTMPHandshake.respond(to: [3] + c1)
        let s1 = Array(response[1..<1537])
        let s2 = Array(response[1537...])
        #expect(Array(s1[4..<8]) == [3, 5, 1, 1])
        // S1 carries a Flash Media Server digest at its scheme-0 place.
        let serverPlace = (Int(s1[8]) + Int(s1[9]) + Int(s1[10]) + Int(s1[11])) % 728 + 12
        let serverDigest = try opensslHMAC(
            key: Self.serverKey, data: Array(s1[0..<serverPlace]) + Array(s1[(serverPlace + 32)...]))
        #expect(Array(s1[serverPlace..<(serverPlace + 32)]) == serverDigest)
        // S2 ends with HMAC(HMAC(long server key, client digest), S2 without its last 32 bytes).
        let key = try opensslHMAC(key: Self.serverKey + RTMPHandshake.keySuffix, data: clientDigest)
        #expect(Array(s2[1504...]) == (try opensslHMAC(key: key, data: Array(s2[0..<1504]))))
    }
}
