/// Why an SRT socket could not do what was asked: libsrt's own words where it has them.
public enum SRTError: Error, CustomStringConvertible, Equatable {
    /// A libsrt call failed (`operation`, libsrt's message).
    case library(String, String)
    /// The address could not be resolved or is not one SRT can use.
    case badAddress(String)
    /// An option that is not one of libsrt's, or a value it cannot take.
    case badOption(String, String)
    /// A connection attempt or an accept did not finish in time.
    case timedOut(String)
    /// The peer closed the connection, or it broke.
    case closed

    public var description: String {
        switch self {
        case .library(let operation, let message): return "\(operation) failed: \(message)"
        case .badAddress(let address): return "cannot use address \(address)"
        case .badOption(let name, let value): return "SRT option \(name)=\(value) is not valid"
        case .timedOut(let what): return "\(what) timed out"
        case .closed: return "the SRT connection closed"
        }
    }
}
