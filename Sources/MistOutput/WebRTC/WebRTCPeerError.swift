/// Why a WebRTC session ended early.
enum WebRTCPeerError: Error, CustomStringConvertible {
    case fingerprintMismatch

    var description: String { "the viewer's DTLS certificate is not the one its offer named" }
}
