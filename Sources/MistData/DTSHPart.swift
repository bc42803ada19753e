/// One part (frame) record of a DTSH track: three 24-bit fields (9 bytes on disk).
public struct DTSHPart: Sendable, Equatable {
    public static let encodedSize = 9
    /// Bytes.
    public var size: UInt32
    /// Milliseconds.
    public var duration: UInt32
    /// Composition offset in milliseconds.
    public var offset: UInt32

    public init(size: UInt32, duration: UInt32, offset: UInt32) {
        self.size = size
        self.duration = duration
        self.offset = offset
    }
}
