/// A live viewer's body: its viewer joins the lane of its group on the channel's loop and is
/// served from there until the stream, the viewer or a stall ends it.
final class FanOutBody: StreamingBody, @unchecked Sendable {
    private let group: LiveFanOut
    private let viewer: FanOutViewer
    private var lane: FanOutLane?

    init(group: LiveFanOut, viewer: FanOutViewer) {
        self.group = group
        self.viewer = viewer
    }

    func start(finished: @escaping (Bool) -> Void) {
        let lane = group.lane(for: viewer.connection.channel.eventLoop)
        self.lane = lane
        lane.admit(viewer)
    }

    func writabilityChanged() { lane?.resume(viewer) }

    func channelClosed() {
        if let lane {
            lane.remove(viewer)
        } else {
            // Never admitted: the group still counts this viewer.
            group.viewerCount.subtract(1, ordering: .relaxed)
            viewer.close()
        }
    }
}
