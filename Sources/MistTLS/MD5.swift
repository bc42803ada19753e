import COpenSSL

/// MD5 on OpenSSL, for the protocols that still ask for it: MistServer's password hashes and
/// challenges, and RTSP's Digest authentication (RFC 2617). Not for anything new.
public enum MD5 {
    /// The lower-case hex MD5 of `text`'s UTF-8.
    public static func hex(_ text: String) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let bytes = Array(text.utf8)
        _ = EVP_Digest(bytes, bytes.count, &digest, &length, EVP_md5(), nil)
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest.prefix(Int(length)) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
