import MistData

extension DTSHTrack {
    /// The DTSC description of a track a demuxer found in a pushed or piped stream (its decoder
    /// configuration read for size, rate and channels), as track `id` of that stream.
    public init(demuxed track: DemuxedTrack, id: UInt64) {
        var found = track
        found.readConfiguration()
        self.init(
            identifier: "\(found.type)_\(found.codec)_\(id)", trackID: id, type: found.type, codec: found.codec,
            initData: found.initData)
        width = UInt64(found.width)
        height = UInt64(found.height)
        fpks = UInt64(found.fpks)
        rate = UInt64(found.rate)
        channels = UInt64(found.channels)
        sampleSize = UInt64(found.sampleSize)
        if !found.language.isEmpty { language = found.language }
    }
}
