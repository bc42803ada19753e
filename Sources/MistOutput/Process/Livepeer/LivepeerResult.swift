/// What came back for one segment: its renditions' MPEG-TS by `Rendition-Name`, or none when
/// the segment was rejected, could not be read or could not be sent.
struct LivepeerResult: Sendable {
    /// The segment (its bytes already dropped).
    var segment: LivepeerSegment
    var renditions: [(name: String, ts: ArraySlice<UInt8>)]
}
