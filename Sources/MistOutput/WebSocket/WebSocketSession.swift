/// What a WebSocket connection does once its handshake is done (MP4 over WebSocket, the stream
/// info feed): it runs on its channel's loop, hears the peer's text messages and the channel's
/// state, and writes its own frames (`WebSocketFrameHeader`) through its connection.
protocol WebSocketSession: AnyObject {
    /// The handshake is out and the WebSocket pipeline is in place.
    func start()
    /// A whole text message from the peer.
    func received(text: String)
    /// The channel takes bytes again (or no longer does).
    func writabilityChanged()
    /// The channel closed (or the peer closed the WebSocket): stop and let go.
    func closed()
}
