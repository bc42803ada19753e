import Foundation
import MistData
import MistMedia
import MistRTMP
import Testing

@testable import MistOutput

/// The TS muxer's output, judged by ffprobe: an ffmpeg-made FLV goes through RTMP ingest (as a
/// push would) and then the muxer, and must come out with the same tracks, frames and duration.
@Suite struct TSMuxerFFprobeTests {
    @Test(.enabled(if: MediaTools.available)) func ffprobeReadsTheMuxedStream() throws {
        let folder = try MediaTools.temporaryFolder("ts")
        defer { try? FileManager.default.removeItem(at: folder) }
        let flv = folder.appendingPathComponent("source.flv")
        try MediaTools.makeTestFile(flv, seconds: 6, bFrames: true)

        let (frames, ingest) = try FLVIngest.run(flv)
        let video = try #require(ingest.video)
        let audio = try #require(ingest.audio)
        var muxer = try TSMuxer(tracks: [
            .init(codec: video.codec, initData: video.initData), .init(codec: audio.codec, initData: audio.initData),
        ])
        var ts = muxer.programTables()
        try frames.withUnsafeBytes { raw in
            var iterator = DTSCFrameIterator(raw)
            while let packet = try iterator.next() {
                guard packet.kind != .header, let data = packet.data else { continue }
                ts += try muxer.frame(
                    track: Int(packet.trackID) - 1, time: packet.time, offset: packet.offset,
                    keyframe: packet.isKeyframe, data: data)
            }
        }
        let file = folder.appendingPathComponent("out.ts")
        try Data(ts).write(to: file)

        let report = try MediaTools.report(file.path)
        let muxedVideo = try #require(report["video"])
        let muxedAudio = try #require(report["audio"])
        #expect(muxedVideo.codec == "h264" && muxedVideo.width == 640 && muxedVideo.height == 360)
        #expect(muxedAudio.codec == "aac")
        #expect(muxedVideo.pts.count == 150)
        #expect(zip(muxedVideo.dts, muxedVideo.dts.dropFirst()).allSatisfy { $0 < $1 })
        // B-frames: presentation order differs from decoding order, and survives.
        #expect(muxedVideo.pts != muxedVideo.dts)
        let span = (muxedVideo.dts.last ?? 0) - (muxedVideo.dts.first ?? 0)
        #expect(abs(span - 5.96) < 0.05, "video spans \(span) s")
        // No decoding errors in the whole file.
        let check = try MediaTools.ffmpeg(
            ["-v", "error", "-i", file.path, "-f", "null", "-"], log: folder.appendingPathComponent("decode.log"))
        BoundedWait.exit(check, seconds: 120, "ffmpeg decoding the TS")
        #expect(check.terminationStatus == 0)
        let errors = try String(contentsOf: folder.appendingPathComponent("decode.log"), encoding: .utf8)
        #expect(errors.isEmpty, "\(errors)")
    }
}
