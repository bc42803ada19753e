import Foundation
import MistData
import Testing

@testable import MistStream

/// Tokens signed with RSA (PKCS #1 and PSS) and ECDSA keys, made by Python's `cryptography`
/// (`Fixtures/jwt-asymmetric.py`), checked against the JWKs of those keys.
@Suite struct JSONWebTokenTests {
    static let fixture: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/jwt-asymmetric.json")
        return (try? JSONParser.parse(Array((try? Data(contentsOf: url)) ?? Data()))) ?? .null
    }()

    /// base64url without padding.
    static func url(_ bytes: [UInt8]) -> String {
        String(
            Base64.encode(bytes).compactMap { $0 == "=" ? nil : $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    static var keys: [JSONValue] {
        ["rsa", "ec256", "ec384", "ec512"].map { [fixture[$0], ["stream": "movie"]] }
    }

    @Test(arguments: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"])
    func eachAsymmetricAlgorithmVerifies(_ algorithm: String) throws {
        let token = try JSONWebToken(Self.fixture[algorithm].asString)
        #expect(token.header["alg"].asString == algorithm)
        let permissions = try token.verify(keys: Self.keys, now: 1_000)
        #expect(permissions["stream"].asString == "movie")
        // Without the key's id, every key of the right type is tried.
        let anonymous = Self.keys.map { entry -> JSONValue in
            var key = entry[0]
            key.removeMember("kid")
            return [key, entry[1]]
        }
        let unnamed = try JSONWebToken(Self.fixture[algorithm].asString)
        #expect(throws: Never.self) { try unnamed.verify(keys: anonymous, now: 1_000) }
    }

    @Test(arguments: ["RS256", "PS384", "ES256", "ES512"])
    func aChangedTokenOrAnotherKeyIsRefused(_ algorithm: String) throws {
        let text = Self.fixture[algorithm].asString
        let parts = text.split(separator: ".").map(String.init)
        // The claims say another stream; the signature no longer fits.
        let claims = Self.url(Array(#"{"sub":"other"}"#.utf8))
        let forged = try JSONWebToken([parts[0], claims, parts[2]].joined(separator: "."))
        #expect(throws: JSONWebToken.Refusal.badSignature) { try forged.verify(keys: Self.keys, now: 1_000) }
        // A flipped signature byte.
        var signature = try #require(Base64.decode(parts[2]))
        signature[signature.count / 2] ^= 1
        let flipped = try JSONWebToken(
            [parts[0], parts[1], Self.url(signature)].joined(separator: "."))
        #expect(throws: JSONWebToken.Refusal.badSignature) { try flipped.verify(keys: Self.keys, now: 1_000) }
        // Only keys of another type: nothing can sign it.
        let others = Self.keys.filter { $0[0]["kty"].asString != (algorithm.hasPrefix("ES") ? "EC" : "RSA") }
        let token = try JSONWebToken(text)
        #expect(throws: JSONWebToken.Refusal.badSignature) { try token.verify(keys: others, now: 1_000) }
    }

    @Test func keysThatAreNotKeysMakeNoKey() {
        let rsa = Self.fixture["rsa"]
        for broken: JSONValue in [
            ["kty": "RSA", "n": rsa["n"]], ["kty": "RSA", "n": "", "e": "AQAB"],
            ["kty": "RSA", "n": .string(String(repeating: "A", count: 4000)), "e": "AQAB"],
            ["kty": "EC", "crv": "P-256", "x": Self.fixture["ec256"]["x"], "y": Self.fixture["ec384"]["y"]],
            ["kty": "EC", "crv": "P-999", "x": Self.fixture["ec256"]["x"], "y": Self.fixture["ec256"]["y"]],
            // A point not on the curve.
            ["kty": "EC", "crv": "P-256", "x": Self.fixture["ec256"]["y"], "y": Self.fixture["ec256"]["x"]],
            ["kty": "oct", "k": "c2VjcmV0"],
        ] {
            #expect(JSONWebKey(broken) == nil, "\(broken)")
        }
        #expect(JSONWebKey(rsa) != nil)
        // A key of one curve does not take another curve's algorithm.
        let p256 = JSONWebKey(Self.fixture["ec256"])
        #expect(p256?.verifies([UInt8](repeating: 1, count: 96), of: [1], algorithm: "ES384") == false)
    }

    @Test func subjectsWithWildcardsAndAddressClaims() throws {
        #expect(JSONWebToken.equalsWithWildcard("live+cam1", "live+*"))
        #expect(JSONWebToken.equalsWithWildcard("live+*", "live+cam1"))
        #expect(JSONWebToken.equalsWithWildcard("anything", "*"))
        #expect(!JSONWebToken.equalsWithWildcard("other+cam1", "live+*"))
        #expect(!JSONWebToken.equalsWithWildcard("live", "live2"))
        #expect(JSONWebToken.equalsWithWildcard("a-cam-b", "a*b"))
        let head = Self.url(Array(#"{"alg":"HS256"}"#.utf8))
        func token(_ claims: String) throws -> JSONWebToken {
            try JSONWebToken("\(head).\(Self.url(Array(claims.utf8))).c2ln")
        }
        let ranged = try token(#"{"sub": "live+*", "ipa": "10.1.0.0/16"}"#)
        #expect(throws: Never.self) { try ranged.claimsAdmit(stream: "live+one", host: "10.1.2.3") }
        #expect(throws: Never.self) { try ranged.claimsAdmit(stream: "live+one", host: "::ffff:10.1.2.3") }
        #expect(throws: JSONWebToken.Refusal.self) { try ranged.claimsAdmit(stream: "live+one", host: "10.2.0.1") }
        #expect(throws: JSONWebToken.Refusal.self) { try ranged.claimsAdmit(stream: "vod", host: "10.1.2.3") }
        let single = try token(#"{"ipa": "127.0.0.1"}"#)
        #expect(throws: Never.self) { try single.claimsAdmit(stream: "any", host: "127.0.0.1") }
        #expect(throws: JSONWebToken.Refusal.self) { try single.claimsAdmit(stream: "any", host: "127.0.0.2") }
    }
}
