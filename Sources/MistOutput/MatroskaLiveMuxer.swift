import MistData
import MistMedia
import MistShm

/// Matroska or WebM for a fan-out group and for files: each frame a block the moment it
/// arrives, a new cluster (where viewers join) at each video keyframe.
struct MatroskaLiveMuxer: LiveMuxer {
    private var muxer: MatroskaMuxer

    /// The codecs `.mkv` carries, and `.webm` (MistServer's rule: VP8, VP9, AV1, Opus, Vorbis).
    static func codecs(webm: Bool) -> (video: Set<String>, audio: Set<String>) {
        webm
            ? (["VP8", "VP9", "AV1"], ["opus", "vorbis"])
            : (["H264", "HEVC", "VP8", "VP9", "AV1"], ["AAC", "MP3", "opus", "vorbis", "AC3"])
    }
    var header: [UInt8] { muxer.header }

    init(tracks: [StreamTrack], webm: Bool, duration: UInt64? = nil) throws {
        muxer = try MatroskaMuxer(tracks: Self.muxerTracks(tracks), webm: webm, duration: duration)
    }

    /// The stream's tracks as Matroska describes them.
    static func muxerTracks(_ tracks: [StreamTrack]) -> [MatroskaMuxer.Track] {
        tracks.map {
            MatroskaMuxer.Track(
                codec: $0.info.codec, type: $0.info.type, initData: $0.info.initData, width: $0.info.width,
                height: $0.info.height, rate: $0.info.rate, channels: $0.info.channels, language: $0.info.language)
        }
    }

    mutating func add(position: Int, packet: DTSCPacket, data: UnsafeRawBufferPointer, into out: inout [UInt8])
        throws -> Bool
    {
        muxer.add(
            position: position, time: packet.time, offset: packet.offset, keyframe: packet.isKeyframe, data: data,
            into: &out)
    }

    mutating func finish() -> [UInt8] { [] }
}
