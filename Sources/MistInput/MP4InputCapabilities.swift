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

    /// The demuxer step of MistInMP4, for a file already in memory.
    public static func demux(_ bytes: [UInt8]) throws -> MediaFile {
        let file = try MP4Demuxer(bytes: bytes)
        return MediaFile(tracks: file.tracks, samples: file.samples, warnings: file.warnings, bytes: bytes)
    }

    /// The boxes whose payloads the demuxer reads; the others (`mdat` above all) stay on disk.
    static let indexBoxes: Set<String> = ["moov", "moof"]

    /// MistInMP4 on a file: reads the top-level box headers and the index boxes only, so an
    /// input holds the file's index rather than the file; frames are read when their page is
    /// loaded.
    public static func demuxFile(_ path: String) throws -> MediaFile {
        let file = try RandomAccessFile(path)
        var top: [MP4Box] = []
        var position = 0
        while file.size - position >= 8, let header = file.read(at: position, count: min(16, file.size - position)) {
            let size32 = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
            let type = String(decoding: header[4..<8], as: UTF8.self)
            var headerLength = 8
            var size = size32
            if size32 == 1 {
                guard header.count == 16 else { break }
                let large = header[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                size = Int(clamping: large)
                headerLength = 16
            } else if size32 == 0 {
                size = file.size - position
            }
            guard size >= headerLength else { throw MediaError.invalid("\(type) box size \(size)") }
            // A box running past the end (a truncated file) is cut to what is there.
            let end = position + min(size, file.size - position)
            var payload: [UInt8] = []
            if indexBoxes.contains(type) {
                guard let read = file.read(at: position + headerLength, count: end - position - headerLength) else {
                    throw MediaError.truncated("\(type) box")
                }
                payload = read
            }
            top.append(MP4Box(type: type, payload: payload[...], start: position))
            position = end
        }
        let demuxer = try MP4Demuxer(top: top, fileSize: file.size) { file.read(at: $0, count: $1) }
        return MediaFile(
            tracks: demuxer.tracks, samples: demuxer.samples, warnings: demuxer.warnings, bytes: [], file: file)
    }
}
