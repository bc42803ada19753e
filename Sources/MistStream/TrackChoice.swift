import Logging
import MistCore
import MistShm

/// The tracks an output plays when the viewer asks for nothing in particular: the first video
/// and the first audio track whose codecs the output can carry (MistServer's default selection).
public enum TrackChoice {
    public static func defaults(
        _ tracks: [StreamTrack], videoCodecs: Set<String>, audioCodecs: Set<String>
    ) -> (video: StreamTrack?, audio: StreamTrack?) {
        (
            tracks.first { $0.info.type == "video" && videoCodecs.contains($0.info.codec) },
            tracks.first { $0.info.type == "audio" && audioCodecs.contains($0.info.codec) }
        )
    }

    /// The tracks a viewer of `query` gets: the default of each type, unless a `video=` or
    /// `audio=` selector names others (`none` leaves the type out).
    public static func choose(
        _ tracks: [StreamTrack], videoCodecs: Set<String>, audioCodecs: Set<String>, query: [String: String]
    ) -> (video: StreamTrack?, audio: StreamTrack?) {
        var (video, audio) = defaults(tracks, videoCodecs: videoCodecs, audioCodecs: audioCodecs)
        if let selector = query["video"], !selector.isEmpty {
            video = TrackSelector.select(selector, type: "video", from: tracks).first {
                videoCodecs.contains($0.info.codec)
            }
        }
        if let selector = query["audio"], !selector.isEmpty {
            audio = TrackSelector.select(selector, type: "audio", from: tracks).first {
                audioCodecs.contains($0.info.codec)
            }
        }
        return (video, audio)
    }

    /// Opens `stream` for a viewer: starts its input under a controller, waits for its tracks,
    /// picks the default ones and positions live streams at the live edge.
    /// `query` holds the viewer's URL parameters: `video=` and `audio=` selectors replace the
    /// default choice for their type (`none` leaves the type out).
    public static func open(
        _ stream: String, videoCodecs: Set<String>, audioCodecs: Set<String>, query: [String: String] = [:],
        allowingNone: Bool = false, logger: Logger
    ) throws -> (reader: StreamReader, video: StreamTrack?, audio: StreamTrack?) {
        if StreamStarter.controllerIsRunning { try StreamStarter.start(stream, logger: logger) }
        let reader = try StreamReader(stream: stream, waitMilliseconds: 5000)
        var tracks = reader.tracks()
        let deadline = monotonicSeconds() + 5
        while tracks.isEmpty && monotonicSeconds() < deadline {
            usleepMilliseconds(10)
            tracks = reader.tracks()
        }
        let (video, audio) = choose(tracks, videoCodecs: videoCodecs, audioCodecs: audioCodecs, query: query)
        let chosen = [video, audio].compactMap { $0?.index }
        // An output of other tracks (subtitles) chooses its own.
        if chosen.isEmpty && allowingNone { return (reader, nil, nil) }
        guard !chosen.isEmpty else { throw Unplayable(stream: stream) }
        try reader.select(chosen)
        if reader.isLive { try reader.seekToLiveEdge() }
        return (reader, video, audio)
    }

    /// A stream with no track the output can carry.
    public struct Unplayable: Error, CustomStringConvertible {
        public var stream: String
        public var description: String { "stream \(stream) has no track this protocol can carry" }
    }
}
