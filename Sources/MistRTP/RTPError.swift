/// Why RTP bytes could not be used. Every parser here throws one of these instead of trapping.
public enum RTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer bytes than the header or a declared length needs.
    case truncated(needed: Int, have: Int)
    /// Not RTP version 2.
    case badVersion(Int)
    /// A padding count larger than the payload.
    case badPadding(Int)
    /// An H.264 payload of a kind this depacketizer does not take (STAP-B, MTAP, FU-B).
    case unsupportedPayload(nalType: Int)
    /// An H.264 payload that breaks RFC 6184 (an empty aggregate, a NAL length past the end).
    case malformed(String)
    /// A NAL unit or access unit larger than the limit.
    case tooLarge(Int)

    public var description: String {
        switch self {
        case .truncated(let needed, let have): return "truncated: needs \(needed) bytes, has \(have)"
        case .badVersion(let version): return "RTP version \(version), not 2"
        case .badPadding(let count): return "padding of \(count) bytes is longer than the payload"
        case .unsupportedPayload(let type): return "H.264 payload type \(type) is not supported"
        case .malformed(let what): return "malformed H.264 payload: \(what)"
        case .tooLarge(let size): return "\(size) bytes is over the limit"
        }
    }
}
