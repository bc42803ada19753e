/// Decode times for pictures that arrive in decode order with presentation times only, as RTP
/// carries video. With B-frames a picture may be presented after up to `depth` later ones; then
/// the (depth+1)-th largest presentation time seen so far is a decode time that keeps rising and
/// is never after the picture's presentation (as ffmpeg guesses them). Every time moves `lead`
/// later so the first `depth` pictures have room for decode times before theirs (the recording
/// moves its other tracks as much, to stay in sync). Nothing waits:
/// each picture gets its times as it comes. A stream that reorders deeper than it said grows the
/// depth as it shows it (its times are clamped until then).
struct DecodeOrderTimeline {
    private(set) var depth: Int
    /// Milliseconds added to every time.
    let lead: Int64
    /// The largest presentation times so far, ascending: `depth + 1` of them once there are.
    private var largest: [Int64] = []
    private var count = 0
    private var lastDecode: Int64?
    /// The deepest reordering H.264 and HEVC allow (a full picture buffer).
    static let maximumDepth = 16
    /// The lead per picture of depth: a frame at 25 fps.
    static let leadPerPicture: Int64 = 40

    init(depth: Int, lead: Int64) {
        self.depth = min(Self.maximumDepth, max(0, depth))
        self.lead = max(0, lead)
    }

    /// The presentation and decode times (milliseconds) of the next picture in decode order.
    mutating func times(presentation raw: Int64) -> (presentation: Int64, decode: Int64) {
        let presentation = raw &+ lead
        largest.insert(raw, at: largest.firstIndex { $0 > raw } ?? largest.endIndex)
        if largest.count > depth + 1 { largest.removeFirst(largest.count - depth - 1) }
        var decode =
            count < depth || largest.count <= depth
            ? Int64(count) * lead / Int64(max(1, depth)) : largest[0] &+ lead
        count += 1
        // Presented before its decode time: the stream reorders deeper than said.
        if decode > presentation && depth < Self.maximumDepth { depth += 1 }
        decode = min(decode, presentation)
        if let lastDecode, decode < lastDecode { decode = lastDecode }
        lastDecode = decode
        return (max(presentation, decode), decode)
    }
}
