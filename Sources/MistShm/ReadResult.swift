import MistData

/// What `StreamReader.next` found.
public enum ReadResult: @unchecked Sendable {
    /// The next packet in timestamp order. Its bytes live in shared memory and stay valid until the
    /// reader's next call.
    case packet(DTSCPacket)
    /// Nothing new arrived within the timeout; the input is still there.
    case timeout
    /// The input is gone and every packet it wrote has been read.
    case end
}
