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
