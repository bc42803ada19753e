import MistRTP

/// Why an offer could not be answered.
public enum WebRTCError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The offer is not SDP.
    case badDescription(SDPError)
    /// No media section carries ICE credentials, or the credentials break RFC 8839's grammar.
    case noICECredentials
    /// No `a=fingerprint` with a hash WebRTC uses (sha-256).
    case noFingerprint
    /// No media section the stream can fill with a codec the offer accepts.
    case nothingToPlay(String)
    /// The offer does not use RTP over DTLS (`UDP/TLS/RTP/SAVPF`) with rtcp-mux.
    case unsupportedTransport(String)

    public var description: String {
        switch self {
        case .badDescription(let error): return "\(error)"
        case .noICECredentials: return "the offer has no usable ice-ufrag and ice-pwd"
        case .noFingerprint: return "the offer has no sha-256 fingerprint"
        case .nothingToPlay(let reason): return "nothing to send: \(reason)"
        case .unsupportedTransport(let transport): return "transport \(transport) is not RTP over DTLS with rtcp-mux"
        }
    }
}
