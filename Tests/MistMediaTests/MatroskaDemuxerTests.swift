import MistMedia
import Testing

/// Matroska read back: what the muxer writes demuxes to the same frames, laced blocks split,
/// cut files keep their whole blocks, and other bytes throw.
@Suite struct MatroskaDemuxerTests {
    static func file(cut: Int = 0) throws -> (bytes: [UInt8], frames: [[UInt8]]) {
        var muxer = try MatroskaMuxer(
            tracks: [
                .init(codec: "H264", type: "video", initData: [1, 0x64, 0, 0x1F, 0xFF], width: 64, height: 48),
                .init(
                    codec: "opus", type: "audio",
                    initData: Array("OpusHead".utf8) + [2, 0, 0, 0, 0x80, 0xBB, 0, 0, 0, 0, 0], rate: 48000, channels: 2
                ),
            ])
        var bytes = muxer.header
        var frames: [[UInt8]] = []
        for index in 0..<50 {
            let video = [UInt8](repeating: UInt8(index), count: 30 + index)
            frames.append(video)
            _ = video.withUnsafeBytes {
                muxer.add(
                    position: 0, time: UInt64(index * 40), offset: 0, keyframe: index % 25 == 0, data: $0, into: &bytes)
            }
            let audio = [UInt8](repeating: 0xA0, count: 10)
            _ = audio.withUnsafeBytes {
                muxer.add(position: 1, time: UInt64(index * 40 + 5), offset: 0, keyframe: true, data: $0, into: &bytes)
            }
        }
        return (Array(bytes.dropLast(cut)), frames)
    }

    @Test func whatTheMuxerWritesComesBack() throws {
        let (bytes, frames) = try Self.file()
        let file = try MatroskaDemuxer(bytes: bytes)
        #expect(file.tracks.map(\.codec) == ["H264", "opus"])
        #expect(file.tracks[0].width == 64 && file.tracks[1].channels == 2 && file.tracks[1].rate == 48000)
        let video = file.samples.filter { $0.track == 0 }
        #expect(video.count == 50)
        #expect(video.map(\.time) == (0..<50).map { UInt64($0 * 40) })
        #expect(video.filter(\.keyframe).map(\.time) == [0, 1000])
        #expect(video.map { Array(bytes[$0.position..<($0.position + $0.size)]) } == frames)
        #expect(file.samples.filter { $0.track == 1 }.count == 50)
    }

    @Test func aCutFileKeepsItsWholeBlocksAndGarbageThrows() throws {
        let (bytes, _) = try Self.file(cut: 100)
        let file = try MatroskaDemuxer(bytes: bytes)
        let video = file.samples.filter { $0.track == 0 }
        #expect(video.count >= 45 && video.count < 50, "\(video.count)")
        #expect(video.allSatisfy { $0.position + $0.size <= bytes.count })
        #expect(throws: MediaError.self) { try MatroskaDemuxer(bytes: Array("not a matroska file".utf8)) }
        #expect(throws: MediaError.self) { try MatroskaDemuxer(bytes: [0x1A, 0x45, 0xDF, 0xA3, 0x80]) }
    }

    @Test func xiphLacedFramesAreSplit() throws {
        // A header with one audio track, then a cluster with one Xiph-laced block of 3 frames.
        let muxer = try MatroskaMuxer(
            tracks: [.init(codec: "opus", type: "audio", initData: Array("OpusHead".utf8), rate: 48000, channels: 1)])
        let frames: [[UInt8]] = [[1, 1, 1], [2, 2], [3, 3, 3, 3]]
        let laced: [UInt8] = [0x81, 0x00, 0x10, 0x02] + [2, 3, 2] + frames.flatMap { $0 }
        var bytes = muxer.header + EBMLWriter.id(0x1F43B675) + EBMLWriter.unknownSize + EBMLWriter.unsigned(0xE7, 100)
        bytes += EBMLWriter.element(0xA3, laced)
        let file = try MatroskaDemuxer(bytes: bytes)
        #expect(file.samples.map { Array(bytes[$0.position..<($0.position + $0.size)]) } == frames)
        #expect(file.samples.first?.time == 116)
    }
}
