/// Collects bytes arriving from a DTSC peer and hands out whole frames.
public struct DTSCStreamBuffer: Sendable {
    /// Received bytes not yet handed out (callers append to it directly).
    public var bytes: [UInt8] = []
    public let maximumFrameLength: Int

    public init(maximumFrameLength: Int = 64 << 20) {
        self.maximumFrameLength = maximumFrameLength
    }

    /// The next complete frame's bytes, or nil until more arrive. Throws on bytes that cannot start
    /// a frame, a frame over the size limit, or a malformed frame body.
    public mutating func nextFrame() throws(DTMIError) -> [UInt8]? {
        let limit = maximumFrameLength
        let result: Result<Int?, DTMIError> = bytes.withUnsafeBytes { raw in
            Result { () throws(DTMIError) in
                var frames = DTSCFrameIterator(raw, maximumFrameLength: limit)
                return try frames.next()?.frameLength
            }
        }
        guard let length = try result.get() else { return nil }
        let frame = Array(bytes[0..<length])
        bytes.removeFirst(length)
        return frame
    }
}
