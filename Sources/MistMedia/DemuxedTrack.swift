/// A track a file demuxer found: MistServer's codec name and init data, and what players need.
public struct DemuxedTrack: Sendable, Equatable {
    /// `"video"` or `"audio"`.
    public var type: String
    /// MistServer's codec name (`"H264"`, `"HEVC"`, `"AAC"`, `"MP3"`, `"opus"` ...).
    public var codec: String
    public var initData: [UInt8]
    /// The container's own track id.
    public var id: UInt32
    public var language = ""
    public var width: UInt32 = 0
    public var height: UInt32 = 0
    /// Frames per kilosecond.
    public var fpks: UInt32 = 0
    public var rate: UInt32 = 0
    public var channels: UInt32 = 0
    public var sampleSize: UInt32 = 16

    public init(type: String, codec: String, initData: [UInt8], id: UInt32) {
        self.type = type
        self.codec = codec
        self.initData = initData
        self.id = id
    }
}
