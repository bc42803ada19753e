import MistData
import MistShm

/// A viewer's packets, read without waiting for bodies pumped on an event loop: the packets of
/// its tracks in time order (video from its first keyframe on) until the stream ends or passes
/// `stop`; `wait` when the input has published nothing new yet.
struct PacketFeed {
    enum Next {
        case packet(position: Int, packet: DTSCPacket, data: UnsafeRawBufferPointer)
        case wait
        case end
    }

    let reader: StreamReader
    let tracks: [StreamTrack]
    let stop: UInt64?
    private var sawVideoKey: Bool
    private var ended = false

    init(_ reader: StreamReader, tracks: [StreamTrack], stop: UInt64? = nil) {
        self.reader = reader
        self.tracks = tracks
        self.stop = stop
        sawVideoKey = !tracks.contains { $0.info.type == "video" }
    }

    /// The next packet; with `waitMilliseconds` above 0 it waits that long for the input (on a
    /// thread that may block), else it answers at once.
    mutating func next(waitMilliseconds: Int = 0) throws -> Next {
        while !ended {
            let result =
                waitMilliseconds > 0 ? try reader.next(timeoutMilliseconds: waitMilliseconds) : try reader.nextReady()
            switch result {
            case .timeout: return .wait
            case .end: ended = true
            case .packet(let packet):
                if let stop, packet.time > stop {
                    ended = true
                    continue
                }
                guard let data = packet.data,
                    let position = tracks.firstIndex(where: { $0.index == Int(packet.trackID) })
                else { continue }
                if tracks[position].info.type == "video" && !sawVideoKey {
                    guard packet.isKeyframe else { continue }
                    sawVideoKey = true
                }
                return .packet(position: position, packet: packet, data: data)
            }
        }
        return .end
    }
}
