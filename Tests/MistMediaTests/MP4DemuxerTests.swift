import Testing

@testable import MistMedia

/// MP4 files written by our own muxers read back sample for sample, and broken files refused
/// with errors instead of traps.
@Suite struct MP4DemuxerTests {
    static let tracks = [
        FMP4Writer.Track(codec: "H264", initData: CodecTests.avcC, width: 640, height: 360),
        FMP4Writer.Track(codec: "AAC", initData: [0x11, 0x88], rate: 48000, channels: 1),
    ]

    /// Two seconds: video at 25 fps with a keyframe every 25 frames and B-frame-like offsets,
    /// audio every 21 ms; each sample's bytes tell which it is.
    static func entries() -> [ProgressiveMP4.Entry] {
        var list: [ProgressiveMP4.Entry] = []
        for frame in 0..<50 {
            list.append(
                .init(
                    track: 0, time: UInt64(frame * 40), offset: frame % 25 == 0 ? 0 : 80, size: 100 + frame,
                    keyframe: frame % 25 == 0))
        }
        for frame in 0..<95 {
            list.append(.init(track: 1, time: UInt64(frame * 21), offset: 0, size: 20, keyframe: true))
        }
        return list.sorted { $0.time != $1.time ? $0.time < $1.time : $0.track < $1.track }
    }

    static func payload(_ entry: ProgressiveMP4.Entry, _ index: Int) -> [UInt8] {
        [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: entry.size)
    }

    @Test func aProgressiveFileReadsBackSampleForSample() throws {
        let entries = Self.entries()
        var file = try ProgressiveMP4.header(tracks: Self.tracks, entries: entries)
        for (index, entry) in entries.enumerated() { file += Self.payload(entry, index) }
        let demuxer = try MP4Demuxer(bytes: file)
        #expect(demuxer.tracks.map(\.codec) == ["H264", "AAC"])
        #expect(demuxer.tracks[0].initData == CodecTests.avcC && demuxer.tracks[1].initData == [0x11, 0x88])
        #expect(demuxer.tracks[0].fpks == 25000 && demuxer.tracks[1].rate == 48000)
        #expect(demuxer.warnings.isEmpty)
        #expect(demuxer.samples.count == entries.count)
        for (sample, entry) in zip(demuxer.samples, entries) {
            #expect(sample.track == entry.track && sample.time == entry.time && sample.offset == entry.offset)
            #expect(sample.keyframe == entry.keyframe && sample.size == entry.size)
        }
        // The bytes are where the samples say.
        for (index, sample) in demuxer.samples.enumerated() {
            #expect(file[sample.position..<(sample.position + sample.size)].allSatisfy { $0 == UInt8(index) })
        }
    }

    @Test func aFragmentedFileReadsBackToo() throws {
        var fragmenter = FMP4Fragmenter(tracks: Self.tracks)
        var file = try fragmenter.writer.initSegment()
        let entries = Self.entries()
        for (index, entry) in entries.enumerated() {
            file += fragmenter.add(
                track: entry.track, time: entry.time, offset: entry.offset, keyframe: entry.keyframe,
                data: Self.payload(entry, index))
        }
        file += fragmenter.finish()
        let demuxer = try MP4Demuxer(bytes: file)
        #expect(demuxer.samples.count == entries.count)
        let video = demuxer.samples.filter { $0.track == 0 }
        #expect(video.map(\.time) == (0..<50).map { UInt64($0 * 40) })
        #expect(video.map(\.keyframe) == (0..<50).map { $0 % 25 == 0 })
        #expect(video.map(\.offset) == (0..<50).map { $0 % 25 == 0 ? 0 : 80 })
        #expect(demuxer.samples.filter { $0.track == 1 }.map(\.time) == (0..<95).map { UInt64($0 * 21) })
    }

    @Test func truncatedAndMalformedFilesAreRefusedOrCut() throws {
        let entries = Self.entries()
        var file = try ProgressiveMP4.header(tracks: Self.tracks, entries: entries)
        let headerLength = file.count
        for (index, entry) in entries.enumerated() { file += Self.payload(entry, index) }
        // Cut in the media: the samples that are whole stay, with a warning.
        let cut = try MP4Demuxer(bytes: Array(file.prefix(headerLength + 3000)))
        #expect(cut.samples.count > 10 && cut.samples.count < entries.count && !cut.warnings.isEmpty)
        #expect(cut.samples.allSatisfy { $0.position + $0.size <= headerLength + 3000 })
        // No moov, a box size below its header, tables whose counts overrun them: errors.
        #expect(throws: MediaError.self) { try MP4Demuxer(bytes: Array("garbage that is not an mp4 file".utf8)) }
        #expect(throws: MediaError.self) { try MP4Demuxer(bytes: [0, 0, 0, 4] + Array("moov".utf8)) }
        var overrun = file
        if let stsz = Self.find("stsz", in: overrun) { overrun[(stsz + 8)..<(stsz + 12)] = [0x7F, 0xFF, 0xFF, 0xFF] }
        #expect(throws: MediaError.self) { try MP4Demuxer(bytes: overrun) }
        // Every prefix of the header either parses or throws; none traps.
        for length in stride(from: 0, through: headerLength, by: 7) {
            _ = try? MP4Demuxer(bytes: Array(file.prefix(length)))
        }
    }

    /// Where the payload of the first `type` box starts (after its size and type).
    static func find(_ type: String, in bytes: [UInt8]) -> Int? {
        let needle = Array(type.utf8)
        guard bytes.count >= 4 else { return nil }
        for index in 4..<(bytes.count - 4) where Array(bytes[index..<(index + 4)]) == needle { return index + 4 }
        return nil
    }
}
