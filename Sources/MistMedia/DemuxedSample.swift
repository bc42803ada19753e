/// One frame a file demuxer found, in DTSC's terms: decode time and composition offset in
/// milliseconds, and where its bytes are (a range of the file, or bytes of its own when the
/// container's form had to be changed, as for MPEG-TS).
public struct DemuxedSample: Sendable {
    /// Index into the demuxer's tracks.
    public var track: Int
    public var time: UInt64
    public var offset: Int64
    public var keyframe: Bool
    /// Byte position of the frame in the file.
    public var position: Int
    public var size: Int
    /// The frame's bytes when they are not `size` bytes of the file at `position`.
    public var data: [UInt8]?
    /// Where a reader seeks to reach the frame, when not `position`: an FLV tag's start, which
    /// MistServer's FLV input records as a key's byte position in the header cache both share.
    public var seekPosition: Int?

    public init(track: Int, time: UInt64, offset: Int64, keyframe: Bool, position: Int, size: Int, data: [UInt8]? = nil)
    {
        self.track = track
        self.time = time
        self.offset = offset
        self.keyframe = keyframe
        self.position = position
        self.size = size
        self.data = data
    }
}
