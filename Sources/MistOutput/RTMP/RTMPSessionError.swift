/// Why an RTMP session ended early.
public enum RTMPSessionError: Error, CustomStringConvertible {
    case refused(String)
    case handshakeTimeout

    public var description: String {
        switch self {
        case .refused(let reason): return reason
        case .handshakeTimeout: return "no handshake within 10 seconds"
        }
    }
}
