/// Why SRTP could not protect or unprotect a packet.
public enum SRTPError: Error, Equatable, Sendable {
    /// libsrtp2 refused to make a session (its status code).
    case setup(Int32)
    /// The keying material is not the 60 bytes DTLS-SRTP exports for AES-128 with 80-bit tags.
    case badKeyingMaterial(Int)
    /// The packet is too short or too long to be RTP or RTCP.
    case badLength(Int)
    /// Authentication failed, a replay, or another libsrtp2 status (its code).
    case refused(Int32)
}
