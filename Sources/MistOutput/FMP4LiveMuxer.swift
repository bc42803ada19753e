import MistData
import MistMedia
import MistShm

/// Fragmented MP4 for a fan-out group: every frame goes out as a fragment of its own the moment
/// it arrives (a viewer waits for no keyframe interval), and a fragment that starts with a video
/// keyframe (or every two seconds of an audio-only stream) is a point a viewer can join at after
/// the init segment. A frame's duration is not known until the next one arrives, so it is taken
/// from the interval before it; each fragment's decode time (`tfdt`) is exact, so players place
/// every frame right regardless. Recordings (`perFrame` false) keep one fragment per keyframe
/// interval instead, which a file reads better.
struct FMP4LiveMuxer: LiveMuxer {
    private var fragmenter: FMP4Fragmenter?
    private let writer: FMP4Writer
    private var sequence: UInt32 = 1
    private var previous: [UInt64?]
    private var durations: [UInt32]
    private let timingTrack: Int
    private let timingIsVideo: Bool
    private var lastJoin: UInt64?
    let header: [UInt8]

    init(tracks: [StreamTrack], perFrame: Bool = true) throws {
        let described = tracks.map {
            FMP4Writer.Track(
                codec: $0.info.codec, initData: $0.info.initData, width: $0.info.width, height: $0.info.height,
                rate: $0.info.rate, channels: $0.info.channels)
        }
        writer = FMP4Writer(tracks: described)
        fragmenter = perFrame ? nil : FMP4Fragmenter(tracks: described)
        header = try writer.initSegment()
        previous = Array(repeating: nil, count: tracks.count)
        durations = tracks.map { track in
            if track.info.type == "video" {
                return track.info.fpks > 0 ? UInt32(clamping: 1_000_000 / Int(track.info.fpks)) : 40
            }
            return track.info.rate > 0 ? UInt32(clamping: 1_024_000 / Int(track.info.rate)) : 21
        }
        timingTrack = tracks.firstIndex { $0.info.type == "video" } ?? 0
        timingIsVideo = tracks.indices.contains(timingTrack) && tracks[timingTrack].info.type == "video"
    }

    mutating func add(position: Int, packet: DTSCPacket, data: UnsafeRawBufferPointer, into out: inout [UInt8])
        throws -> Bool
    {
        guard writer.tracks.indices.contains(position) else { return false }
        if var fragmenter {
            let fragment = fragmenter.add(
                track: position, time: packet.time, offset: packet.offset, keyframe: packet.isKeyframe,
                data: Array(data))
            self.fragmenter = fragmenter
            out += fragment
            return !fragment.isEmpty
        }
        if let last = previous[position], packet.time > last, packet.time - last < 10_000 {
            durations[position] = UInt32(packet.time - last)
        }
        previous[position] = packet.time
        let joinable: Bool
        if timingIsVideo {
            joinable = position == timingTrack && packet.isKeyframe
        } else {
            joinable = position == timingTrack && lastJoin.map { packet.time >= $0 &+ 2000 || packet.time < $0 } ?? true
        }
        if joinable { lastJoin = packet.time }
        var samples: [[FMP4Writer.Sample]] = Array(repeating: [], count: writer.tracks.count)
        samples[position] = [
            FMP4Writer.Sample(
                time: packet.time, offset: packet.offset, duration: durations[position], keyframe: packet.isKeyframe,
                data: Array(data))
        ]
        out += writer.fragment(sequence: sequence, samples: samples)
        sequence &+= 1
        return joinable
    }

    mutating func finish() -> [UInt8] {
        guard var fragmenter else { return [] }
        defer { self.fragmenter = fragmenter }
        return fragmenter.finish()
    }
}
