import MistData
import MistRTP
import MistTLS

/// The `Authorization` header an RTSP client sends after a 401: Basic, or Digest (RFC 2617,
/// MD5, with `qop=auth` when the server offers it) as cameras and GStreamer ask for.
public struct RTSPAuthorization: Sendable, Equatable {
    public enum Scheme: Sendable, Equatable {
        case basic
        case digest(realm: String, nonce: String, opaque: String?, qop: Bool)
    }

    public let user: String
    public let password: String
    public let scheme: Scheme
    private var count = 0

    /// The strongest scheme among the server's `WWW-Authenticate` challenges (Digest over Basic);
    /// nil when it offers neither.
    public init?(user: String, password: String, challenges: [String]) {
        self.user = user
        self.password = password
        if let digest = challenges.first(where: { $0.lowercased().hasPrefix("digest") }) {
            let parameters = Self.parameters(String(digest.dropFirst(6)))
            guard let realm = parameters["realm"], let nonce = parameters["nonce"] else { return nil }
            let algorithm = parameters["algorithm"]?.uppercased() ?? "MD5"
            guard algorithm == "MD5" else { return nil }
            let qop = (parameters["qop"] ?? "").split(separator: ",").contains { $0.trimmingSpaces == "auth" }
            scheme = .digest(realm: realm, nonce: nonce, opaque: parameters["opaque"], qop: qop)
        } else if challenges.contains(where: { $0.lowercased().hasPrefix("basic") }) {
            scheme = .basic
        } else {
            return nil
        }
    }

    /// The header value for `method` on `uri` (a new client nonce count each time).
    public mutating func header(method: String, uri: String, clientNonce: String = Self.randomNonce()) -> String {
        switch scheme {
        case .basic:
            return "Basic " + Base64.encode(Array("\(user):\(password)".utf8))
        case .digest(let realm, let nonce, let opaque, let qop):
            let first = MD5.hex("\(user):\(realm):\(password)")
            let second = MD5.hex("\(method):\(uri)")
            var value = "Digest username=\"\(user)\", realm=\"\(realm)\", nonce=\"\(nonce)\", uri=\"\(uri)\""
            if qop {
                count += 1
                let digits = String(count, radix: 16)
                let counter = String(repeating: "0", count: max(0, 8 - digits.count)) + digits
                let response = MD5.hex("\(first):\(nonce):\(counter):\(clientNonce):auth:\(second)")
                value += ", qop=auth, nc=\(counter), cnonce=\"\(clientNonce)\", response=\"\(response)\""
            } else {
                value += ", response=\"\(MD5.hex("\(first):\(nonce):\(second)"))\""
            }
            if let opaque { value += ", opaque=\"\(opaque)\"" }
            return value + ", algorithm=MD5"
        }
    }

    public static func randomNonce() -> String { String(UInt64.random(in: 1...UInt64.max), radix: 16) }

    /// `name="value", name=value` pairs of a challenge (quoted values may hold commas).
    static func parameters(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(text)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            let name = rest.prefix { $0 != "=" && $0 != "," }
            rest = rest.dropFirst(name.count)
            guard rest.first == "=" else { continue }
            rest = rest.dropFirst()
            var value: Substring
            if rest.first == "\"" {
                rest = rest.dropFirst()
                value = rest.prefix { $0 != "\"" }
                rest = rest.dropFirst(value.count + 1)
            } else {
                value = rest.prefix { $0 != "," }
                rest = rest.dropFirst(value.count)
            }
            result[name.trimmingSpaces.lowercased()] = String(value)
        }
        return result
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
