import MistCore
import MistMedia

/// MistInEBML: Matroska and WebM files.
public enum EBMLInputCapabilities {
    public static let declaration = Capabilities.input(
        name: "EBML",
        description:
            "Plays Matroska and WebM files (H.264, HEVC, VP8, VP9, AV1, AAC, Opus, Vorbis, MP3, AC-3 and text "
            + "subtitles; laced blocks and block groups) as video on demand, keeping a .dtsh header cache beside them.",
        optional: [FileInputRunner.timeoutOption],
        extra: [
            "priority": 9,
            "source_match": ["/*.mkv", "/*.mka", "/*.mk3d", "/*.mks", "/*.webm"],
            "source_file": "$source",
            "codecs": [
                "video": ["H264", "HEVC", "VP8", "VP9", "AV1"], "audio": ["AAC", "opus", "vorbis", "MP3", "AC3"],
                "metadata": ["subtitle"],
            ],
        ])

    /// The demuxer step of MistInEBML.
    public static func demux(_ bytes: [UInt8]) throws -> MediaFile {
        let file = try MatroskaDemuxer(bytes: bytes)
        return MediaFile(tracks: file.tracks, samples: file.samples, warnings: file.warnings, bytes: bytes)
    }

    /// MistInEBML on a file: read whole, then demuxed.
    public static func demuxFile(_ path: String) throws -> MediaFile { try demux(try FileBytes.read(path)) }
}
