import MistData
import MistRTMP
import MistShm

/// RTMP for a fan-out group of live players: every media message is chunked once with full
/// (format 0) headers, so the same bytes are valid on every player's connection whatever it
/// was sent before. Timestamps count from the group's first packet; a player can join at each
/// video keyframe (or every second of an audio-only stream).
struct RTMPLiveMuxer: LiveMuxer {
    private let tracks: [StreamTrack]
    private let isVideo: [Bool]
    private let hasVideo: Bool
    private var encoder = RTMPChunkEncoder()
    private var origin: UInt64?
    private var lastJoin: UInt64?

    /// `chunkSize` is the size the players' connections announced (`RTMPSettings.chunkSize`).
    init(tracks: [StreamTrack], chunkSize: Int) {
        self.tracks = tracks
        isVideo = tracks.map { $0.info.type == "video" }
        hasVideo = isVideo.contains(true)
        encoder.setChunkSize(chunkSize)
    }

    var header: [UInt8] { [] }

    mutating func add(position: Int, packet: DTSCPacket, data: UnsafeRawBufferPointer, into out: inout [UInt8])
        throws -> Bool
    {
        guard let prefix = FLVPlayback.prefix(tracks[position], packet) else { return false }
        let origin = self.origin ?? packet.time
        self.origin = origin
        let video = isVideo[position]
        let joinable =
            hasVideo
            ? video && packet.isKeyframe
            : lastJoin.map { packet.time >= $0 &+ 1000 || packet.time < $0 } ?? true
        if joinable { lastJoin = packet.time }
        encoder.encode(
            type: video ? RTMPMessage.Kind.video : RTMPMessage.Kind.audio, streamID: 1,
            timestamp: UInt32(truncatingIfNeeded: packet.time &- min(origin, packet.time)),
            chunkStream: video ? FLVPlayback.videoChunkStream : FLVPlayback.audioChunkStream, prefix: prefix,
            body: data, into: &out)
        return joinable
    }

    mutating func finish() -> [UInt8] { [] }
}
