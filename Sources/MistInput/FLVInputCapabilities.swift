import MistCore
import MistData
import MistMedia

/// MistInFLV: FLV files as video on demand.
public enum FLVInputCapabilities {
    public static let declaration = Capabilities.input(
        name: "FLV",
        description:
            "Plays FLV files (legacy codec ids and Enhanced RTMP FourCCs) as video on demand, keeping a .dtsh "
            + "header cache beside them.",
        optional: [FileInputRunner.timeoutOption],
        extra: [
            "priority": 9,
            "source_match": ["/*.flv"],
            "source_file": "$source",
            "codecs": ["video": ["H264", "HEVC", "AV1", "VP9"], "audio": ["AAC", "MP3"]],
        ])

    /// The demuxer step of MistInFLV.
    public static func demux(_ bytes: [UInt8]) throws -> MediaFile {
        let file = try FLVDemuxer(bytes: bytes)
        return MediaFile(tracks: file.tracks, samples: file.samples, warnings: file.warnings, bytes: bytes)
    }

    /// MistInFLV on a file: the tags' headers and first bytes are read, not their frames, so an
    /// input holds the index rather than the file; frames are read when their page is loaded.
    public static func demuxFile(_ path: String) throws -> MediaFile {
        let file = try RandomAccessFile(path)
        var window = ReadWindow(file)
        let demuxer = try FLVDemuxer(size: file.size) { window.read(at: $0, count: $1) }
        return MediaFile(
            tracks: demuxer.tracks, samples: demuxer.samples, warnings: demuxer.warnings, bytes: [], file: file)
    }
}
