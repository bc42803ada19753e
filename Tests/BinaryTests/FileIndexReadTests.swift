import Foundation
import MistMedia
import Testing

@testable import MistInput

/// File inputs index a file without holding it (MP4: its index boxes; FLV: its tag headers;
/// TS: read in pieces): the same tracks and samples as reading all of it, and the same bytes
/// when a page is loaded.
@Suite struct FileIndexReadTests {
    static func describe(_ file: MediaFile) -> [String] {
        file.tracks.map { "\($0.type) \($0.codec) \($0.initData)" }
            + file.samples.map { "\($0.track) \($0.time) \($0.offset) \($0.keyframe) \($0.position) \($0.size)" }
    }

    @Test(.enabled(if: MediaTools.available)) func readingTheIndexFindsWhatReadingAllFinds() throws {
        let folder = try MediaTools.temporaryFolder("mp4index")
        defer { try? FileManager.default.removeItem(at: folder) }
        let srt = folder.appendingPathComponent("s.srt")
        try Data("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n".utf8).write(to: srt)
        let source = [
            "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-f", "lavfi", "-i", "sine", "-i", srt.path, "-t",
            "4", "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-c:s", "mov_text",
        ]
        let plain = folder.appendingPathComponent("plain.mp4")
        try MediaTools.make(source + [plain.path], log: folder.appendingPathComponent("plain.log"))
        let fragmented = folder.appendingPathComponent("frag.mp4")
        try MediaTools.make(
            source + ["-movflags", "frag_keyframe+empty_moov", fragmented.path],
            log: folder.appendingPathComponent("frag.log"))
        // A download cut short: the samples whose bytes are there.
        let cut = folder.appendingPathComponent("cut.mp4")
        let fragmentedBytes = try Data(contentsOf: fragmented)
        try fragmentedBytes.prefix(fragmentedBytes.count * 2 / 3).write(to: cut)

        for url in [plain, fragmented, cut] {
            let bytes = Array(try Data(contentsOf: url))
            let whole = try MP4InputCapabilities.demux(bytes)
            let indexed = try MP4InputCapabilities.demuxFile(url.path)
            #expect(indexed.bytes.isEmpty && indexed.file != nil)
            #expect(Self.describe(indexed) == Self.describe(whole), "\(url.lastPathComponent)")
            #expect(whole.tracks.contains { $0.codec == "subtitle" })
            // Every sample's bytes, read from disk, are the file's.
            var scratch: [UInt8] = []
            for sample in indexed.samples {
                let read = try indexed.withBytes(of: sample, scratch: &scratch) { Array($0) }
                #expect(read[...] == bytes[sample.position..<(sample.position + sample.size)])
            }
        }
        #expect(throws: (any Error).self) { try MP4InputCapabilities.demuxFile(srt.path) }
    }

    /// MistInFLV reads tag headers, not frames: the same index, and the same bytes on loading.
    @Test(.enabled(if: MediaTools.available)) func flvIndexFindsWhatReadingAllFinds() throws {
        let folder = try MediaTools.temporaryFolder("flvindex")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("movie.flv")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine", "-t", "6",
                "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "3M", "-bf", "2", "-pix_fmt", "yuv420p", "-c:a",
                "aac", file.path,
            ], log: folder.appendingPathComponent("make.log"))
        let bytes = Array(try Data(contentsOf: file))
        #expect(bytes.count > 2 << 20)
        for cut in [bytes.count, bytes.count * 2 / 3] {
            let url = folder.appendingPathComponent("cut.flv")
            try Data(bytes[0..<cut]).write(to: url)
            let whole = try FLVInputCapabilities.demux(Array(bytes[0..<cut]))
            let indexed = try FLVInputCapabilities.demuxFile(url.path)
            #expect(indexed.bytes.isEmpty && !indexed.samples.isEmpty)
            #expect(Self.describe(indexed) == Self.describe(whole))
            var scratch: [UInt8] = []
            for sample in indexed.samples {
                let read = try indexed.withBytes(of: sample, scratch: &scratch) { Array($0) }
                #expect(read[...] == bytes[sample.position..<(sample.position + sample.size)])
            }
        }
    }

    /// MistInTS reads a file in pieces; the frames are the same as from the whole file.
    @Test(.enabled(if: MediaTools.available)) func tsReadInPiecesFindsWhatReadingAllFinds() throws {
        let folder = try MediaTools.temporaryFolder("tspieces")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("movie.ts")
        // Over 1 MiB, so frames straddle the pieces.
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine", "-t", "6",
                "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "3M", "-pix_fmt", "yuv420p", "-c:a", "aac",
                file.path,
            ], log: folder.appendingPathComponent("make.log"))
        let bytes = Array(try Data(contentsOf: file))
        #expect(bytes.count > 2 << 20)
        let whole = try TSInputCapabilities.demux(bytes)
        let pieces = try TSInputCapabilities.demuxFile(file.path)
        #expect(pieces.bytes.isEmpty)
        #expect(Self.describe(pieces) == Self.describe(whole))
        #expect(pieces.samples.map(\.data) == whole.samples.map(\.data))
        #expect(whole.samples.count == 150 + whole.samples.filter { $0.track != 0 }.count)
    }
}
