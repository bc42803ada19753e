import MistShm
import MistStream

/// What a WebRTC viewer plays once its transport is secure: the stream opened for it, the tracks
/// chosen and the triggers that admitted it.
struct WebRTCPlayback: @unchecked Sendable {
    var stream: String
    var reader: StreamReader
    var tracks: [StreamTrack]
    /// The connection triggers of a viewer; nil for a push (whose process fires them itself).
    var admission: PlayAdmission?
    /// The viewer's address (without port), token and URL, for the session statistics.
    var host: String
    var url: String
    var userAgent: String
}
