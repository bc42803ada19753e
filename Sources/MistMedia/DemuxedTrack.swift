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

extension DemuxedTrack {
    /// Fills in what the init data tells: picture size (and frame rate) of H.264 and HEVC, sample
    /// rate and channels of AAC. Init data that does not parse leaves the track as it was.
    public mutating func readConfiguration() {
        switch codec {
        case "H264":
            guard let sps = try? AVCDecoderConfiguration(bytes: initData).sps() else { return }
            width = sps.width
            height = sps.height
            if sps.fpks > 0 { fpks = sps.fpks }
        case "HEVC":
            guard let size = try? HEVCDecoderConfiguration(bytes: initData).pictureSize() else { return }
            width = size.width
            height = size.height
        case "AAC":
            guard let configuration = try? AACConfiguration(bytes: initData) else { return }
            rate = configuration.sampleRate
            channels = UInt32(configuration.channels)
        default: return
        }
    }
}
