import MistShm
import Testing

@testable import MistOutput

/// The master playlist's variants: one per video track HLS carries, each with the audio track.
@Suite struct HLSMasterTests {
    static func track(_ index: Int, _ type: String, _ codec: String, height: UInt32 = 0, bps: UInt64) -> StreamTrack {
        var info = TrackInfo(
            type: type, codec: codec, id: UInt32(index), initData: codec == "AAC" ? [0x11, 0x90] : [])
        info.width = height * 16 / 9
        info.height = height
        return StreamTrack(index: index, info: info, firstMs: 0, lastMs: 10_000, bps: bps, maxBps: bps)
    }

    let tracks = [
        track(0, "video", "H264", height: 720, bps: 375_000), track(1, "video", "H264", height: 360, bps: 125_000),
        track(2, "audio", "AAC", bps: 16_000), track(3, "video", "VP9", height: 1080, bps: 500_000),
    ]

    @Test func everyCarriedVideoTrackIsAVariantWithTheAudio() {
        let videos = HLSOutput.variantVideos(tracks, selector: nil, chosen: tracks[0])
        #expect(videos.map(\.index) == [0, 1])
        let master = HLSOutput.master(videos, tracks[2])
        let lines = master.split(separator: "\r\n").map(String.init)
        #expect(lines.filter { $0.hasSuffix("index.m3u8") } == ["0_2/index.m3u8", "1_2/index.m3u8"])
        #expect(master.contains("BANDWIDTH=3128000,RESOLUTION=1280x720"))
        #expect(master.contains("BANDWIDTH=1128000,RESOLUTION=640x360"))
    }

    @Test func selectorsNarrowTheLadderAndAudioOnlyGetsOneVariant() {
        let small = HLSOutput.variantVideos(tracks, selector: "lowres", chosen: tracks[1])
        #expect(small.map(\.index) == [1])
        #expect(HLSOutput.variantVideos(tracks, selector: "none", chosen: nil).isEmpty)
        let audioOnly = HLSOutput.master([], tracks[2])
        #expect(audioOnly.split(separator: "\r\n").last == "2/index.m3u8" && !audioOnly.contains("RESOLUTION"))
    }
}
