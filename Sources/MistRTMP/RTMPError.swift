/// Why an RTMP peer's bytes cannot be followed; the connection ends, nothing else is affected.
public enum RTMPError: Error, Sendable, Equatable, CustomStringConvertible {
    case badVersion(UInt8)
    case messageTooLarge(Int)
    case tooManyChunkStreams
    case continuationWithoutStart(chunkStream: UInt32)
    case badChunkSize(UInt32)
    case malformed(String)

    public var description: String {
        switch self {
        case .badVersion(let version): return "unsupported RTMP version \(version)"
        case .messageTooLarge(let size): return "message of \(size) bytes is too large"
        case .tooManyChunkStreams: return "too many chunk streams in use"
        case .continuationWithoutStart(let id): return "chunk stream \(id) continues a message it never started"
        case .badChunkSize(let size): return "invalid chunk size \(size)"
        case .malformed(let what): return "malformed \(what)"
        }
    }
}
