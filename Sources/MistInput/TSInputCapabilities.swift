import MistCore
import MistData
import MistMedia

/// MistInTS: MPEG-TS files as video on demand, and live TS from UDP or a command's output.
public enum TSInputCapabilities {
    public static let declaration = Capabilities.input(
        name: "TS",
        description:
            "Plays MPEG-TS files (H.264, HEVC, AAC, MP3) as video on demand, keeping a .dtsh header cache "
            + "beside them, and buffers live MPEG-TS from tsudp://[address]:port (unicast or multicast) or from "
            + "the output of ts-exec:command (run without a shell).",
        optional: [
            FileInputRunner.timeoutOption,
            CapabilityOption(
                "DVR", name: "Buffer time (ms)",
                help: "For live sources: how much of the stream stays available for seeking, in milliseconds",
                type: .unsignedInteger, long: "buffer", default: 50000),
        ],
        extra: [
            "priority": 9,
            "source_match": ["/*.ts", "/*.m2ts", "/*.mts", "tsudp://*", "ts-exec:*"],
            "always_match": ["tsudp://*"],
            "source_file": "$source",
            "codecs": ["video": ["H264", "HEVC"], "audio": ["AAC", "MP3", "opus"]],
        ])

    /// The demuxer step of MistInTS, for a file already in memory.
    public static func demux(_ bytes: [UInt8]) throws -> MediaFile {
        let file = try TSDemuxer(bytes: bytes)
        return MediaFile(tracks: file.tracks, samples: file.samples, warnings: file.warnings, bytes: bytes)
    }

    /// MistInTS on a file: read a mebibyte at a time into the demuxer, which keeps the frames
    /// (reassembled from their PES packets) and not the file.
    public static func demuxFile(_ path: String) throws -> MediaFile {
        let file = try RandomAccessFile(path)
        var demuxer = TSDemuxer()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var position = 0
        while position < file.size {
            let count = min(chunk.count, file.size - position)
            guard chunk.withUnsafeMutableBytes({ file.read(at: position, count: count, into: $0) }) else {
                throw RandomAccessFile.Failure(path: path, reason: "read error at byte \(position)")
            }
            try demuxer.feed(chunk[0..<count])
            position += count
        }
        try demuxer.finishFile()
        return MediaFile(tracks: demuxer.tracks, samples: demuxer.samples, warnings: demuxer.warnings, bytes: [])
    }
}
