import MistData
import MistShm

/// Cuts the source into Livepeer segments as MistServer does: a new segment at a video keyframe
/// once the current one holds a second, or at a keyframe that brings new parameter sets
/// (H.264 SPS/PPS, HEVC VPS/SPS/PPS); each segment is MPEG-TS of its own, tables first.
struct LivepeerSegmenter {
    /// How long a segment grows before the next keyframe ends it (ms).
    static let targetDuration: UInt64 = 1000

    let tracks: [StreamTrack]
    /// Position in `tracks` of the video track whose keyframes cut segments.
    let video: Int
    private var muxer: TSLiveMuxer?
    private var current: LivepeerSegment?
    private var next: UInt64

    /// `firstNumber`: the number of its first segment (a segmenter that takes over from another
    /// numbers on).
    init(tracks: [StreamTrack], video: Int, firstNumber: UInt64 = 0) {
        self.tracks = tracks
        self.video = video
        next = firstNumber
    }

    /// The number the next segment gets (the one being cut is never sent if the source ends).
    var nextNumber: UInt64 { next }

    /// Adds one frame of the source (at `position` among `tracks`); a finished segment when
    /// this frame started the next one.
    mutating func add(position: Int, packet: DTSCPacket, data: UnsafeRawBufferPointer) throws -> LivepeerSegment? {
        var finished: LivepeerSegment?
        if position == video && packet.isKeyframe {
            let start = current?.time ?? packet.time
            let long = packet.time >= start && packet.time - start >= Self.targetDuration
            if current == nil || long || Self.bringsParameterSets(codec: tracks[video].info.codec, data) {
                if var done = current, done.data.count >= 188 {
                    done.duration = packet.time >= done.time ? packet.time - done.time : 0
                    finished = done
                    next += 1
                }
                current = LivepeerSegment(
                    number: next, time: packet.time, duration: 0, width: tracks[video].info.width,
                    height: tracks[video].info.height, data: [])
                muxer = try TSLiveMuxer(tracks: tracks)
            }
        }
        guard var segment = current, var muxer else { return finished }
        current = nil
        _ = try muxer.add(position: position, packet: packet, data: data, into: &segment.data)
        self.muxer = muxer
        current = segment
        return finished
    }

    /// Whether a keyframe's first NAL unit (4-byte length prefixed) is a parameter set.
    static func bringsParameterSets(codec: String, _ data: UnsafeRawBufferPointer) -> Bool {
        guard data.count > 4 else { return false }
        switch codec {
        case "H264": return [7, 8].contains(data[4] & 0x1F)
        case "HEVC": return (32...34).contains((data[4] & 0x7E) >> 1)
        default: return false
        }
    }
}
