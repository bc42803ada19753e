/// One keyframe record of a DTSH track (25 bytes on disk, plus 4 in `keysizes`).
public struct DTSHKey: Sendable, Equatable {
    public static let encodedSize = 25
    /// Byte position of the keyframe in the source file.
    public var bytePosition: UInt64
    /// Milliseconds until the next key (24 bits on disk).
    public var duration: UInt32
    /// The key's number (one-based, counting from the start of the stream).
    public var number: UInt32
    /// Number of parts (frames) from this key up to the next.
    public var partCount: UInt16
    /// Timestamp in milliseconds.
    public var time: UInt64
    /// Bytes of media from this key up to the next.
    public var size: UInt32

    public init(bytePosition: UInt64, duration: UInt32, number: UInt32, partCount: UInt16, time: UInt64, size: UInt32) {
        self.bytePosition = bytePosition
        self.duration = duration
        self.number = number
        self.partCount = partCount
        self.time = time
        self.size = size
    }
}
