/// One piece of the source sent to a Livepeer broadcaster: MPEG-TS from a video keyframe,
/// about a second long, numbered in order (the upload URL's `<seq>.ts`).
struct LivepeerSegment: Sendable {
    var number: UInt64
    /// Media time of its first frame (ms); the renditions that come back start here.
    var time: UInt64
    var duration: UInt64
    var width: UInt32
    var height: UInt32
    var data: [UInt8]
}
