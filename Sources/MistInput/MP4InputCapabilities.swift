import MistCore
import MistData
import MistMedia

/// MistInMP4: MP4 and MOV files (fragmented too) as video on demand.
public enum MP4InputCapabilities {
    public static let declaration = Capabilities.input(
        name: "MP4",
        description:
            "Plays MP4 and MOV files (plain or fragmented; edit lists and B-frames) as video on demand, keeping a "
            + ".dtsh header cache beside them.",
        optional: [FileInputRunner.timeoutOption],
        extra: [
            "priority": 9,
            "source_match": ["/*.mp4", "/*.mov", "/*.m4v", "/*.m4a", "/*.3gp", "/*.fmp4"],
            "source_file": "$source",
            "codecs": ["video": ["H264", "HEVC", "AV1", "VP9"], "audio": ["AAC", "MP3", "opus", "AC3"]],
        ])

    /// The demuxer step of MistInMP4.
    public static func demux(_ bytes: [UInt8]) throws -> MediaFile {
        let file = try MP4Demuxer(bytes: bytes)
        return MediaFile(tracks: file.tracks, samples: file.samples, warnings: file.warnings, bytes: bytes)
    }
}
