import MistData
import MistShm

/// Where a muxed output of `tracks` starts: nothing goes out before the first video keyframe
/// (a file or a live group must begin with a picture the player can decode), and only the
/// packets of its tracks go out at all.
struct KeyframeStart {
    let tracks: [StreamTrack]
    private var started: Bool

    init(tracks: [StreamTrack]) {
        self.tracks = tracks
        started = !tracks.contains { $0.info.type == "video" }
    }

    /// The packet's position among `tracks` and its data, or nil when it is not sent.
    mutating func admit(_ packet: DTSCPacket) -> (position: Int, data: UnsafeRawBufferPointer)? {
        guard let data = packet.data, let position = tracks.firstIndex(where: { $0.index == Int(packet.trackID) })
        else { return nil }
        if !started {
            guard tracks[position].info.type == "video", packet.isKeyframe else { return nil }
            started = true
        }
        return (position, data)
    }
}
