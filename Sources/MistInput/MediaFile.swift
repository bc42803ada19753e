import MistMedia

/// What a file demuxer made of a file: its tracks and every sample in decode order.
public struct MediaFile {
    public var tracks: [DemuxedTrack]
    public var samples: [DemuxedSample]
    /// Problems read around (a truncated end ...), for the log.
    public var warnings: [String]
    /// The file's bytes, which samples without data of their own point into; empty when the
    /// samples are read from `file` as they are needed.
    public var bytes: [UInt8]
    /// The file samples are read from when `bytes` does not hold it.
    public var file: RandomAccessFile?

    public init(
        tracks: [DemuxedTrack], samples: [DemuxedSample], warnings: [String], bytes: [UInt8],
        file: RandomAccessFile? = nil
    ) {
        self.tracks = tracks
        self.samples = samples
        self.warnings = warnings
        self.bytes = bytes
        self.file = file
    }

    /// Whether a sample's bytes are all there (in `bytes`, or in `file`).
    func holds(_ sample: DemuxedSample) -> Bool {
        if sample.data != nil { return true }
        let size = file?.size ?? bytes.count
        return sample.position >= 0 && sample.size >= 0 && sample.position <= size - sample.size
    }

    /// Hands `body` a sample's bytes: its own, a slice of `bytes`, or `scratch` filled from `file`.
    func withBytes<T>(
        of sample: DemuxedSample, scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) throws -> T
    ) throws -> T {
        if let data = sample.data { return try data.withUnsafeBytes(body) }
        guard holds(sample) else { throw MediaFileInputError.outside(sample.position) }
        if let file {
            if scratch.count < sample.size { scratch = [UInt8](repeating: 0, count: sample.size) }
            let read = scratch.withUnsafeMutableBytes { file.read(at: sample.position, count: sample.size, into: $0) }
            guard read else { throw MediaFileInputError.outside(sample.position) }
            return try scratch.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<sample.size])) }
        }
        return try bytes.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[sample.position..<(sample.position + sample.size)]))
        }
    }
}
