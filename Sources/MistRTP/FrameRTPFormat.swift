/// The video payload formats whose RTP packets carry one coded frame in pieces, each piece with
/// a descriptor of its own: VP8 (RFC 7741), VP9 (RFC 9628) and AV1 (the AOM's "RTP Payload
/// Format For AV1"). H.264 and HEVC, which packetize NAL units, are `NALUnitFormat`.
public enum FrameRTPFormat: Sendable, Equatable, CaseIterable {
    case vp8
    case vp9
    case av1

    /// The codec by MistServer's name (`VP8`, `VP9`, `AV1`).
    public init?(codec: String) {
        switch codec {
        case "VP8": self = .vp8
        case "VP9": self = .vp9
        case "AV1": self = .av1
        default: return nil
        }
    }

    /// MistServer's codec name, which is also the SDP encoding name.
    public var codec: String {
        switch self {
        case .vp8: return "VP8"
        case .vp9: return "VP9"
        case .av1: return "AV1"
        }
    }
}
