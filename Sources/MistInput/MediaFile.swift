import MistMedia

/// What a file demuxer made of a file: its tracks and every sample in decode order.
public struct MediaFile {
    public var tracks: [DemuxedTrack]
    public var samples: [DemuxedSample]
    /// Problems read around (a truncated end ...), for the log.
    public var warnings: [String]
    /// The file's bytes, which samples without data of their own point into.
    public var bytes: [UInt8]

    public init(tracks: [DemuxedTrack], samples: [DemuxedSample], warnings: [String], bytes: [UInt8]) {
        self.tracks = tracks
        self.samples = samples
        self.warnings = warnings
        self.bytes = bytes
    }
}
