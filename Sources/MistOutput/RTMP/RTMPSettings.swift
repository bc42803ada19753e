/// How MistOutRTMP's listener treats its connections.
public struct RTMPSettings: Sendable {
    /// Which directions the listener allows: 0 both, 1 playback only, 2 pushes only.
    public var acceptable = 0

    public init() {}

    /// The chunk size this side announces after `connect` and chunks its media with.
    static let chunkSize = 4096
    /// The acknowledgement window and peer bandwidth announced after `connect`.
    static let window: UInt32 = 2_500_000
}
