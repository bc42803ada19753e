import MistCore
import MistData
import MistMedia

/// MistInTS: MPEG-TS files as video on demand.
public enum TSInputCapabilities {
    public static let declaration = Capabilities.input(
        name: "TS",
        description:
            "Plays MPEG-TS files (H.264, HEVC, AAC, MP3) as video on demand, keeping a .dtsh header cache "
            + "beside them.",
        optional: [FileInputRunner.timeoutOption],
        extra: [
            "priority": 9,
            "source_match": ["/*.ts", "/*.m2ts", "/*.mts"],
            "source_file": "$source",
            "codecs": ["video": ["H264", "HEVC"], "audio": ["AAC", "MP3"]],
        ])

    /// The demuxer step of MistInTS.
    public static func demux(_ bytes: [UInt8]) throws -> MediaFile {
        let file = try TSDemuxer(bytes: bytes)
        return MediaFile(tracks: file.tracks, samples: file.samples, warnings: file.warnings, bytes: bytes)
    }
}
