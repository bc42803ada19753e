#if canImport(Glibc)
    import Glibc
#endif

/// Why a socket operation failed.
public enum NetworkError: Error, Sendable, Equatable, CustomStringConvertible {
    case system(call: String, errno: Int32)
    case resolve(host: String, reason: String)
    case timeout
    case closed

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .resolve(let host, let reason): return "cannot resolve \(host): \(reason)"
        case .timeout: return "timed out"
        case .closed: return "connection closed by the peer"
        }
    }
}
