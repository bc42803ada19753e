import COpenSSL

/// SHA-1 on OpenSSL, for the one protocol that still names it: the WebSocket handshake's
/// `Sec-WebSocket-Accept` (RFC 6455 §4.2.2). Not for anything that needs a secure hash.
public enum SHA1 {
    /// The 20-byte digest of `bytes`.
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = EVP_Digest(bytes, bytes.count, &digest, &length, EVP_sha1(), nil)
        return Array(digest.prefix(Int(length)))
    }
}

extension SHA1 {
    /// HMAC-SHA1 (RFC 2104): STUN's MESSAGE-INTEGRITY under ICE's short-term password.
    public static func hmac(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = HMAC(EVP_sha1(), key, Int32(clamping: key.count), data, data.count, &out, &length)
        return Array(out.prefix(Int(length)))
    }
}
