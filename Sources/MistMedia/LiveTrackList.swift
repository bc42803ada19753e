import MistData

/// The tracks a demuxer found in a pushed or piped stream, described for a buffer input: each
/// as DTSC track `index + 1` with its decoder configuration read for size, rate and channels,
/// and the DTSC header sent again whenever a track was added since the last one.
public struct LiveTrackList: Sendable {
    public private(set) var tracks: [DTSHTrack] = []
    private var headerTracks = 0

    public init() {}

    /// Whether a header went out already.
    public var announced: Bool { headerTracks > 0 }

    /// Describes the tracks of `found` not described yet; the DTSC header when the list grew.
    public mutating func update(_ found: [DemuxedTrack]) -> [UInt8] {
        while tracks.count < found.count {
            var track = found[tracks.count]
            track.readConfiguration()
            let id = UInt64(tracks.count + 1)
            var described = DTSHTrack(
                identifier: "\(track.type)_\(track.codec)_\(id)", trackID: id, type: track.type, codec: track.codec,
                initData: track.initData)
            described.width = UInt64(track.width)
            described.height = UInt64(track.height)
            described.fpks = UInt64(track.fpks)
            described.rate = UInt64(track.rate)
            described.channels = UInt64(track.channels)
            described.sampleSize = UInt64(track.sampleSize)
            if !track.language.isEmpty { described.language = track.language }
            tracks.append(described)
        }
        guard tracks.count != headerTracks else { return [] }
        headerTracks = tracks.count
        return (try? DTSHHeader(isVOD: false, isLive: true, tracks: tracks).encode(includeTables: false)) ?? []
    }
}
