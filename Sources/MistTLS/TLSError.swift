import COpenSSL

/// Why a TLS context could not be made or a TLS connection failed, with OpenSSL's own reasons.
public enum TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A certificate or key file that is missing or unreadable.
    case unreadable(path: String, reason: String)
    /// A certificate or key file OpenSSL could not use.
    case badFile(path: String, reason: String)
    /// A key that does not belong to its certificate.
    case keyMismatch(certificate: String, key: String)
    /// A certificate that is past its end date or not valid yet.
    case notValidNow(path: String, reason: String)
    /// No certificate configured where one is needed.
    case noCertificate
    /// The peer broke the handshake or the record layer.
    case protocolFailure(String)
    /// The peer's certificate failed verification (client side).
    case verificationFailed(String)
    /// OpenSSL refused to set something up.
    case setup(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .badFile(let path, let reason): return "cannot use \(path): \(reason)"
        case .keyMismatch(let certificate, let key): return "key \(key) does not match certificate \(certificate)"
        case .notValidNow(let path, let reason): return "certificate \(path) \(reason)"
        case .noCertificate: return "no certificate and key configured"
        case .protocolFailure(let reason): return "TLS failure: \(reason)"
        case .verificationFailed(let reason): return "certificate verification failed: \(reason)"
        case .setup(let reason): return "TLS setup failed: \(reason)"
        }
    }

    /// OpenSSL's queued errors as one line (and the queue emptied), or `fallback` when empty.
    static func drainQueue(_ fallback: String) -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            if reasons.count < 4 { reasons.append(String(cString: text)) }
        }
        return reasons.isEmpty ? fallback : reasons.joined(separator: "; ")
    }
}
