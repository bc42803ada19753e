import MistData
import MistMedia
import MistShm

/// Fragmented MP4 for a fan-out group: every fragment starts at a keyframe (or holds two seconds
/// of audio), so each one is a point a viewer can join at after the init segment.
struct FMP4LiveMuxer: LiveMuxer {
    private var fragmenter: FMP4Fragmenter
    let header: [UInt8]

    init(tracks: [StreamTrack]) throws {
        fragmenter = FMP4Fragmenter(
            tracks: tracks.map {
                FMP4Writer.Track(
                    codec: $0.info.codec, initData: $0.info.initData, width: $0.info.width, height: $0.info.height,
                    rate: $0.info.rate, channels: $0.info.channels)
            })
        header = try fragmenter.writer.initSegment()
    }

    mutating func add(position: Int, packet: DTSCPacket, data: UnsafeRawBufferPointer, into out: inout [UInt8])
        throws -> Bool
    {
        let fragment = fragmenter.add(
            track: position, time: packet.time, offset: packet.offset, keyframe: packet.isKeyframe, data: Array(data))
        out += fragment
        return !fragment.isEmpty
    }

    mutating func finish() -> [UInt8] { fragmenter.finish() }
}
