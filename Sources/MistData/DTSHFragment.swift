/// One fragment record of a DTSH track: a run of keyframes (13 bytes on disk).
public struct DTSHFragment: Sendable, Equatable {
    public static let encodedSize = 13
    /// Milliseconds.
    public var duration: UInt32
    /// Number of keys in the fragment.
    public var keyCount: UInt8
    /// Zero-based index of the fragment's first key (stored one-based on disk).
    public var firstKey: UInt32
    /// Bytes of media in the fragment.
    public var size: UInt32

    public init(duration: UInt32, keyCount: UInt8, firstKey: UInt32, size: UInt32) {
        self.duration = duration
        self.keyCount = keyCount
        self.firstKey = firstKey
        self.size = size
    }
}
