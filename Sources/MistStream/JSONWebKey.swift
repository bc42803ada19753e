import COpenSSL
import MistData

/// The public half of an RSA or EC JSON Web Key (RFC 7517/7518) as an OpenSSL key, to check
/// the RS*, PS* and ES* signatures of tokens.
final class JSONWebKey {
    /// An EC curve of JWA: its JWK name, OpenSSL's name, and the bytes of a coordinate.
    struct Curve {
        var name: String
        var group: String
        var size: Int
    }

    static let curves: [String: Curve] = [
        "P-256": Curve(name: "P-256", group: "prime256v1", size: 32),
        "P-384": Curve(name: "P-384", group: "secp384r1", size: 48),
        "P-521": Curve(name: "P-521", group: "secp521r1", size: 66),
    ]

    /// The largest RSA modulus taken: 16384 bits (a larger one is a CPU sink, not a key).
    static let maximumModulusBytes = 2048

    private let key: OpaquePointer
    /// The curve of an EC key (nil for RSA).
    let curve: Curve?

    /// The key of a JWK object; nil for other key types or members that do not make a key.
    init?(_ jwk: JSONValue) {
        let made: OpaquePointer?
        switch jwk["kty"].asString {
        case "RSA":
            guard let modulus = jwk["n"].stringValue.flatMap({ Base64.decode($0) }),
                let exponent = jwk["e"].stringValue.flatMap({ Base64.decode($0) }),
                (1...Self.maximumModulusBytes).contains(modulus.count), (1...8).contains(exponent.count)
            else { return nil }
            made = mist_public_key("RSA", modulus, modulus.count, exponent, exponent.count, nil, nil, 0)
            curve = nil
        case "EC":
            guard let curve = Self.curves[jwk["crv"].asString],
                let x = jwk["x"].stringValue.flatMap({ Base64.decode($0) }),
                let y = jwk["y"].stringValue.flatMap({ Base64.decode($0) }),
                x.count == curve.size, y.count == curve.size
            else { return nil }
            // The uncompressed point: 0x04, x, y.
            let point: [UInt8] = [4] + x + y
            made = mist_public_key("EC", nil, 0, nil, 0, curve.group, point, point.count)
            self.curve = curve
        default: return nil
        }
        guard let made else {
            ERR_clear_error()
            return nil
        }
        key = made
    }

    deinit { EVP_PKEY_free(key) }

    /// Whether `signature` is this key's signature of `message` under JWA `algorithm`
    /// (RS256–512, PS256–512, ES256–512); false for an algorithm that does not fit the key.
    func verifies(_ signature: [UInt8], of message: [UInt8], algorithm: String) -> Bool {
        defer { ERR_clear_error() }
        let family = algorithm.prefix(2)
        let digest: OpaquePointer?
        switch algorithm.dropFirst(2) {
        case "256": digest = EVP_sha256()
        case "384": digest = EVP_sha384()
        case "512": digest = EVP_sha512()
        default: return false
        }
        var signed = signature
        switch family {
        case "RS", "PS":
            guard curve == nil else { return false }
        case "ES":
            // ES512 is P-521: the curve follows from the algorithm (RFC 7518 §3.4).
            let wanted = ["ES256": "P-256", "ES384": "P-384", "ES512": "P-521"][algorithm]
            guard let curve, curve.name == wanted, signature.count == 2 * curve.size,
                let der = Self.derSignature(signature, half: curve.size)
            else { return false }
            signed = der
        default: return false
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit(context, &keyContext, digest, nil, key) == 1 else { return false }
        if family == "PS" {
            // Any salt length, as MistServer's mbedTLS takes.
            guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_AUTO) == 1
            else { return false }
        }
        return EVP_DigestVerify(context, signed, signed.count, message, message.count) == 1
    }

    /// A JWS ECDSA signature (r and s, `half` bytes each) in the DER form OpenSSL checks.
    private static func derSignature(_ raw: [UInt8], half: Int) -> [UInt8]? {
        guard let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        guard let r = BN_bin2bn(raw, Int32(half), nil) else { return nil }
        guard let s = BN_bin2bn(Array(raw[half...]), Int32(half), nil) else {
            BN_free(r)
            return nil
        }
        // The signature owns both numbers from here.
        guard ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(signature, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_ECDSA_SIG(signature, &cursor)
        }
        return written == length ? der : nil
    }
}
