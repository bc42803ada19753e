import COpenSSL
import MistData

/// A JSON Web Token (JWS compact form, RFC 7515/7519) as MistServer takes them for viewers and
/// pushes: signed by a key of the server's `jwks` (HMAC: HS256–512; RSA: RS256–512 and
/// PS256–512; ECDSA: ES256–512), its `exp`, `nbf`, `sub` and `ipa` claims checked, and the
/// key's permissions (`input`, `output`, `stream`) applied.
public struct JSONWebToken: Sendable {
    public let header: JSONValue
    public let claims: JSONValue
    /// What the signature covers (`header.payload`, as sent) and the signature.
    let signed: [UInt8]
    let signature: [UInt8]

    /// Why a token is not taken.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case unsupportedAlgorithm(String)
        case noKey
        case badSignature
        case expired
        case notYetValid
        case notPermitted(String)

        public var description: String {
            switch self {
            case .malformed(let what): return "malformed JWT: \(what)"
            case .unsupportedAlgorithm(let name):
                return "JWT algorithm \(name) is not supported (HS, RS, PS or ES with 256, 384 or 512)"
            case .noKey: return "no key of the server signs this JWT"
            case .badSignature: return "the JWT's signature does not match"
            case .expired: return "the JWT has expired"
            case .notYetValid: return "the JWT is not valid yet"
            case .notPermitted(let what): return "the JWT's key does not permit \(what)"
            }
        }
    }

    /// The most bytes a token may have.
    public static let maximumLength = 8192

    /// Whether `text` has a JWT's shape (three base64url parts), so it is checked as one.
    public static func looksLikeToken(_ text: String) -> Bool {
        text.utf8.count <= maximumLength && text.utf8.filter { $0 == UInt8(ascii: ".") }.count == 2
            && text.utf8.allSatisfy { isBase64URL($0) || $0 == UInt8(ascii: ".") } && text.hasPrefix("eyJ")
    }

    public init(_ text: String) throws(Refusal) {
        guard text.utf8.count <= Self.maximumLength else { throw .malformed("longer than \(Self.maximumLength) bytes") }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64.decode(parts[0]), let claimBytes = Base64.decode(parts[1]),
            let signature = Base64.decode(parts[2])
        else { throw .malformed("not three base64url parts") }
        guard let header = try? JSONParser.parse(headerBytes), header.isObject,
            let claims = try? JSONParser.parse(claimBytes), claims.isObject
        else { throw .malformed("header or claims are not JSON objects") }
        self.header = header
        self.claims = claims
        self.signature = signature
        signed = Array(text.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
    }

    /// Checks the token against `keys` (the server's `jwks`: `[jwk, permissions]` entries) at
    /// `now` (Unix seconds): the permissions of the key that signed it. A key whose `kid` differs
    /// from the token's is skipped; keys without one are tried.
    public func verify(keys: [JSONValue], now: Int64) throws(Refusal) -> JSONValue {
        let algorithm = header["alg"].asString
        let digest: OpaquePointer?
        switch algorithm {
        case "HS256": digest = EVP_sha256()
        case "HS384": digest = EVP_sha384()
        case "HS512": digest = EVP_sha512()
        case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512": digest = nil
        default: throw .unsupportedAlgorithm(algorithm)
        }
        let kid = header["kid"].stringValue
        let wantedType = digest != nil ? "oct" : algorithm.hasPrefix("ES") ? "EC" : "RSA"
        var matched: JSONValue?
        for entry in keys.prefix(1024) {
            let key = entry.isArray ? entry[0] : entry
            guard key["kty"].asString == wantedType else { continue }
            if let kid, let other = key["kid"].stringValue, other != kid { continue }
            let good: Bool
            if let digest {
                guard let secret = key["k"].stringValue.flatMap({ Base64.decode($0) }) else { continue }
                var mac = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
                var length: UInt32 = 0
                _ = HMAC(digest, secret, Int32(clamping: secret.count), signed, signed.count, &mac, &length)
                good = Int(length) == signature.count && CRYPTO_memcmp(mac, signature, signature.count) == 0
            } else {
                good = JSONWebKey(key)?.verifies(signature, of: signed, algorithm: algorithm) ?? false
            }
            if good {
                matched = entry.isArray ? entry[1] : .emptyObject
                break
            }
        }
        guard let permissions = matched else { throw keys.isEmpty ? .noKey : .badSignature }
        if let expiry = claims["exp"].intValue, expiry <= now { throw .expired }
        if let notBefore = claims["nbf"].intValue, notBefore > now { throw .notYetValid }
        return permissions
    }

    /// Whether a key's `permissions` allow `use` (`input` or `output`) of `stream` (the key's
    /// streams may hold a `*`); absent members have MistServer's defaults (input and output
    /// allowed, every stream).
    public static func permits(_ permissions: JSONValue, _ use: String, stream: String) -> Bool {
        if permissions[use] == .bool(false) { return false }
        let streams = permissions["stream"]
        if let list = streams.arrayValue, !list.isEmpty {
            return list.prefix(256).contains { equalsWithWildcard(stream, $0.asString) }
        }
        let one = streams.asString
        return one.isEmpty || equalsWithWildcard(stream, one)
    }

    /// Two names, each with at most one `*`, match as MistServer matches them: the text before
    /// the first wildcard and after it must agree as far as both have it.
    static func equalsWithWildcard(_ a: String, _ b: String) -> Bool {
        if a == "*" || b == "*" { return true }
        let first = Array(a.utf8)
        let second = Array(b.utf8)
        let star = UInt8(ascii: "*")
        let aStar = first.firstIndex(of: star)
        let bStar = second.firstIndex(of: star)
        if aStar == nil && bStar == nil { return first == second }
        let prefix = min(aStar ?? first.count, bStar ?? second.count)
        guard first.prefix(prefix) == second.prefix(prefix) else { return false }
        let suffix = min(
            aStar.map { first.count - $0 - 1 } ?? first.count, bStar.map { second.count - $0 - 1 } ?? second.count)
        return first.suffix(suffix) == second.suffix(suffix)
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default: return false
        }
    }
}
