import Foundation
import MistData
import MistMedia
import MistRTMP
import Testing

@testable import MistOutput

/// The fMP4 writer's output, judged by ffprobe and ffmpeg's decoder.
@Suite struct FMP4FFprobeTests {
    @Test(.enabled(if: MediaTools.available)) func ffprobeReadsTheFragmentedFile() throws {
        let folder = try MediaTools.temporaryFolder("fmp4")
        defer { try? FileManager.default.removeItem(at: folder) }
        let flv = folder.appendingPathComponent("source.flv")
        try MediaTools.makeTestFile(flv, seconds: 6, bFrames: true)
        let (frames, ingest) = try FLVIngest.run(flv)
        let video = try #require(ingest.video)
        let audio = try #require(ingest.audio)
        var fragmenter = FMP4Fragmenter(tracks: [
            .init(
                codec: video.codec, initData: video.initData, width: UInt32(video.width), height: UInt32(video.height)),
            .init(
                codec: audio.codec, initData: audio.initData, rate: UInt32(audio.rate), channels: UInt32(audio.channels)
            ),
        ])
        var file = try fragmenter.writer.initSegment()
        try frames.withUnsafeBytes { raw in
            var iterator = DTSCFrameIterator(raw)
            while let packet = try iterator.next() {
                guard packet.kind != .header, let data = packet.data else { continue }
                file += fragmenter.add(
                    track: Int(packet.trackID) - 1, time: packet.time, offset: packet.offset,
                    keyframe: packet.isKeyframe, data: Array(data))
            }
        }
        file += fragmenter.finish()
        let output = folder.appendingPathComponent("out.mp4")
        try Data(file).write(to: output)

        let report = try MediaTools.report(output.path)
        let muxedVideo = try #require(report["video"])
        #expect(muxedVideo.codec == "h264" && muxedVideo.width == 640 && muxedVideo.height == 360)
        #expect(report["audio"]?.codec == "aac")
        #expect(muxedVideo.pts.count == 150)
        #expect(muxedVideo.pts != muxedVideo.dts)  // B-frames kept
        let span = (muxedVideo.dts.last ?? 0) - (muxedVideo.dts.first ?? 0)
        #expect(abs(span - 5.96) < 0.05, "video spans \(span) s")
        let check = try MediaTools.ffmpeg(
            ["-v", "error", "-i", output.path, "-f", "null", "-"], log: folder.appendingPathComponent("decode.log"))
        BoundedWait.exit(check, seconds: 120, "ffmpeg decoding the fragmented MP4")
        let errors = try String(contentsOf: folder.appendingPathComponent("decode.log"), encoding: .utf8)
        #expect(check.terminationStatus == 0 && errors.isEmpty, "\(errors)")
    }
}
