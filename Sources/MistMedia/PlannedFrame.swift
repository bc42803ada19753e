/// One frame of a file whose layout is planned before its bytes are sent (progressive MP4,
/// Matroska with cues): its track's position in the file, decode time and presentation offset
/// (milliseconds), size, and whether it is a keyframe.
public struct PlannedFrame: Sendable {
    public var track: Int
    public var time: UInt64
    public var offset: Int64
    public var size: Int
    public var keyframe: Bool

    public init(track: Int, time: UInt64, offset: Int64, size: Int, keyframe: Bool) {
        self.track = track
        self.time = time
        self.offset = offset
        self.size = size
        self.keyframe = keyframe
    }
}
