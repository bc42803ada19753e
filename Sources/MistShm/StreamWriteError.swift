/// Why a packet or track could not be written into a stream's shared memory.
public enum StreamWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchTrack(Int)
    case tooManyTracks(Int)
    /// Live packets must not go back in time on a track.
    case outOfOrder(track: Int, time: UInt64, last: UInt64)
    /// A track's first packet must be a keyframe.
    case noKeyframeYet(track: Int)
    case packetTooLarge(Int)
    case initDataTooLarge(Int)
    /// Another live input already owns this stream.
    case streamBusy(String)
    case sharedMemory(SharedMemoryError)

    public var description: String {
        switch self {
        case .noSuchTrack(let index): return "no track \(index)"
        case .tooManyTracks(let count): return "the stream holds at most \(count) tracks"
        case .outOfOrder(let track, let time, let last):
            return "packet at \(time) ms on track \(track) is older than the track's last (\(last) ms)"
        case .noKeyframeYet(let track): return "track \(track) has no keyframe yet"
        case .packetTooLarge(let size): return "packet of \(size) bytes does not fit a data page"
        case .initDataTooLarge(let size): return "init data of \(size) bytes exceeds 64 KiB"
        case .streamBusy(let stream): return "stream \(stream) already has a running input"
        case .sharedMemory(let error): return error.description
        }
    }
}
