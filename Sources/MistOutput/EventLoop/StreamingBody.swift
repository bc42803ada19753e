/// A response body that goes on after its request was answered (a live stream, a file sent at
/// the pace the viewer reads it): it runs on its channel's loop and hears about the channel.
protocol StreamingBody: AnyObject {
    /// Starts writing (on the channel's loop); `finished` is called once the body is done and
    /// says whether the connection takes another request.
    func start(finished: @escaping (_ keepAlive: Bool) -> Void)
    /// The channel takes bytes again (or no longer does).
    func writabilityChanged()
    /// The channel closed.
    func channelClosed()
}
