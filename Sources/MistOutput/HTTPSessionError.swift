/// Why MistOutHTTP gave up on a client before answering it.
enum HTTPSessionError: Error, CustomStringConvertible {
    /// The client announced a request body larger than any URL here takes.
    case bodyTooLarge(Int)
    /// The client sent a request body in a way these URLs do not take.
    case unsupportedBody

    var description: String {
        switch self {
        case .bodyTooLarge(let length): return "a request body of \(length) bytes is too large"
        case .unsupportedBody: return "chunked request bodies are not taken here"
        }
    }
}
