/// Why bytes are not a STUN message (RFC 5389) this server takes. Parsing throws one of these
/// instead of trapping.
public enum STUNError: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated(needed: Int, have: Int)
    /// The first two bits are not zero, or the magic cookie is missing: not STUN.
    case notSTUN
    /// The header's length disagrees with the bytes, or an attribute runs past the end.
    case badLength(Int)
    case tooManyAttributes(Int)

    public var description: String {
        switch self {
        case .truncated(let needed, let have): return "truncated STUN message: needs \(needed) bytes, has \(have)"
        case .notSTUN: return "not a STUN message"
        case .badLength(let length): return "STUN length \(length) does not match the message"
        case .tooManyAttributes(let count): return "more than \(count) STUN attributes"
        }
    }
}
