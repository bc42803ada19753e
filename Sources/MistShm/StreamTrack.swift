/// A track of a stream as a reader sees it in the metadata.
public struct StreamTrack: Sendable, Equatable {
    /// The index packets carry as their track id.
    public var index: Int
    public var info: TrackInfo
    public var firstMs: UInt64
    public var lastMs: UInt64
    /// Average and peak bit rates in bytes per second.
    public var bps: UInt64
    public var maxBps: UInt64

    public init(index: Int, info: TrackInfo, firstMs: UInt64, lastMs: UInt64, bps: UInt64, maxBps: UInt64) {
        self.index = index
        self.info = info
        self.firstMs = firstMs
        self.lastMs = lastMs
        self.bps = bps
        self.maxBps = maxBps
    }
}
