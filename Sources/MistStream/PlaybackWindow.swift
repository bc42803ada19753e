import MistCore
import MistShm

/// The part of a stream a viewer asked for with MistServer's URL parameters: `start` and `stop`
/// in milliseconds of stream time, or `duration` in seconds from the start (which overrides
/// `stop`). Nil members mean the stream's own start or end.
public struct PlaybackWindow: Sendable, Equatable {
    public var start: UInt64?
    public var stop: UInt64?

    public init(start: UInt64? = nil, stop: UInt64? = nil) {
        self.start = start
        self.stop = stop
    }

    /// The window in `query`; values that are not numbers are ignored, negative ones count as 0.
    public init(query: [String: String]) {
        func milliseconds(_ name: String) -> UInt64? {
            guard let text = query[name], let value = Int64(text) else { return nil }
            return UInt64(clamping: value)
        }
        start = milliseconds("start")
        stop = milliseconds("stop")
        if let text = query["duration"], let seconds = Int64(text) {
            stop = (start ?? 0) &+ UInt64(clamping: seconds) &* 1000
        }
    }

    /// Whether the viewer asked for anything but the whole stream (or the live edge).
    public var isLimited: Bool { start != nil || stop != nil }

    /// Whether a packet at `time` comes after the window.
    public func isPast(_ time: UInt64) -> Bool { stop.map { time > $0 } ?? false }
}

extension PlaybackWindow {
    /// Moves `reader` (its tracks selected) to the window's start, first waiting up to
    /// `seconds` for the stream to reach it: a file input still loading, or a live stream asked
    /// for a moment just ahead (MistServer waits the same way).
    public func seek(_ reader: StreamReader, selected: [Int], seconds: Double = 5) throws {
        guard let start else { return }
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            let tracks = reader.tracks().filter { selected.contains($0.index) }
            if !tracks.isEmpty && tracks.allSatisfy({ $0.lastMs >= start }) { break }
            if !reader.isLive && StreamStatus.current(of: reader.stream) == .ready { break }
            usleepMilliseconds(20)
        }
        try reader.seek(to: start)
    }
}
