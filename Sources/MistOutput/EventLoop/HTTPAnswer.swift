/// What answering one request left to do on the channel's loop.
enum HTTPAnswer: @unchecked Sendable {
    /// Answered; the connection takes the next request.
    case keepAlive
    /// Answered; the connection closes once the answer is out.
    case close
    /// The response goes on as a stream (the body runs on the loop from now on).
    case stream(any StreamingBody)
    /// The 101 is out; the connection becomes a WebSocket that the session runs.
    case upgrade(any WebSocketSession)
}
