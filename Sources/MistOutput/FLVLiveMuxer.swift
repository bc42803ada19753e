import MistData
import MistMedia
import MistRTMP
import MistShm

/// HTTP-FLV for a fan-out group: the file header, metadata and decoder configurations once per
/// viewer, then tags with the stream's own timestamps; every video keyframe (or second of an
/// audio-only stream) is a point a viewer can join at.
struct FLVLiveMuxer: LiveMuxer {
    private let tracks: [StreamTrack]
    private let hasVideo: Bool
    private var lastJoin: UInt64?
    let header: [UInt8]

    init(tracks: [StreamTrack]) {
        self.tracks = tracks
        hasVideo = tracks.contains { $0.info.type == "video" }
        let video = tracks.first { $0.info.type == "video" }
        let audio = tracks.first { $0.info.type == "audio" }
        var header = FLVTag.fileHeader(audio: audio != nil, video: video != nil)
        header +=
            FLVTag(
                type: FLVTag.script, timestamp: 0,
                data: FLVPlayback.metadataBody(video: video, audio: audio, duration: nil)
            ).fileBytes
        if let video, !video.info.initData.isEmpty,
            let prefix = FLVMedia.videoPrefix(codec: video.info.codec, keyframe: true, configuration: true, offset: 0)
        {
            video.info.initData.withUnsafeBytes { FLVPlayback.flvTags(RTMPMessage.Kind.video, 0, prefix, $0, &header) }
        }
        if let audio, !audio.info.initData.isEmpty,
            let prefix = FLVMedia.audioPrefix(
                codec: audio.info.codec, rate: audio.info.rate, channels: audio.info.channels, configuration: true)
        {
            audio.info.initData.withUnsafeBytes { FLVPlayback.flvTags(RTMPMessage.Kind.audio, 0, prefix, $0, &header) }
        }
        self.header = header
    }

    mutating func add(position: Int, packet: DTSCPacket, data: UnsafeRawBufferPointer, into out: inout [UInt8])
        throws -> Bool
    {
        let track = tracks[position]
        let isVideo = track.info.type == "video"
        guard let prefix = FLVPlayback.prefix(track, packet) else { return false }
        let joinable =
            hasVideo
            ? isVideo && packet.isKeyframe
            : lastJoin.map { packet.time >= $0 + 1000 || packet.time < $0 } ?? true
        if joinable { lastJoin = packet.time }
        FLVPlayback.flvTags(
            isVideo ? RTMPMessage.Kind.video : RTMPMessage.Kind.audio, UInt32(truncatingIfNeeded: packet.time), prefix,
            data, &out)
        return joinable
    }

    mutating func finish() -> [UInt8] { [] }
}
