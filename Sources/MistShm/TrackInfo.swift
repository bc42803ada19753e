import MistData

/// What an input declares about a track when it adds it.
public struct TrackInfo: Sendable, Equatable {
    /// `"video"`, `"audio"`, `"meta"` ...
    public var type: String
    /// MistServer's codec name (`"H264"`, `"AAC"` ...).
    public var codec: String
    /// Codec initialisation data (at most 64 KiB, as MistServer's 16-bit length allows).
    public var initData: [UInt8]
    /// The track id the source uses.
    public var id: UInt32
    public var language: String
    public var width: UInt32 = 0
    public var height: UInt32 = 0
    /// Frames per kilosecond.
    public var fpks: UInt32 = 0
    public var rate: UInt32 = 0
    public var channels: UInt32 = 0
    public var sampleSize: UInt32 = 0

    public init(type: String, codec: String, id: UInt32, initData: [UInt8] = [], language: String = "") {
        self.type = type
        self.codec = codec
        self.id = id
        self.initData = initData
        self.language = language
    }
}

extension TrackInfo {
    /// The track as a DTSC header or `.dtsh` file describes it.
    public init(_ track: DTSHTrack) {
        self.init(
            type: track.type, codec: track.codec, id: UInt32(truncatingIfNeeded: track.trackID),
            initData: track.initData, language: track.language ?? "")
        width = UInt32(truncatingIfNeeded: track.width)
        height = UInt32(truncatingIfNeeded: track.height)
        fpks = UInt32(truncatingIfNeeded: track.fpks)
        rate = UInt32(truncatingIfNeeded: track.rate)
        channels = UInt32(truncatingIfNeeded: track.channels)
        sampleSize = UInt32(truncatingIfNeeded: track.sampleSize)
    }
}
