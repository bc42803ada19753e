import MistData
import MistMedia
import MistShm

/// MPEG-TS for a fan-out group: program tables before every video keyframe (or every second of
/// an audio-only stream), so each of those is a point a viewer can join at.
struct TSLiveMuxer: LiveMuxer {
    private var muxer: TSMuxer
    private let isVideo: [Bool]
    private let hasVideo: Bool
    private var lastTables: UInt64?

    init(tracks: [StreamTrack]) throws {
        muxer = try TSMuxer(tracks: tracks.map { TSMuxer.Track(codec: $0.info.codec, initData: $0.info.initData) })
        isVideo = tracks.map { $0.info.type == "video" }
        hasVideo = isVideo.contains(true)
    }

    var header: [UInt8] { [] }

    mutating func add(position: Int, packet: DTSCPacket, data: UnsafeRawBufferPointer, into out: inout [UInt8])
        throws -> Bool
    {
        let joinable =
            hasVideo
            ? isVideo[position] && packet.isKeyframe
            : lastTables.map { packet.time >= $0 + 1000 || packet.time < $0 } ?? true
        if joinable {
            out += muxer.programTables()
            lastTables = packet.time
        }
        out += try muxer.frame(
            track: position, time: packet.time, offset: packet.offset, keyframe: packet.isKeyframe, data: data)
        return joinable
    }

    mutating func finish() -> [UInt8] { [] }
}
