import MistShm
import Testing

@testable import MistStream

@Suite struct TrackSelectorTests {
    static func track(
        _ index: Int, _ type: String, _ codec: String, bps: UInt64, width: UInt32 = 0, height: UInt32 = 0,
        channels: UInt32 = 0, language: String = ""
    ) -> StreamTrack {
        var info = TrackInfo(type: type, codec: codec, id: UInt32(index + 10), language: language)
        info.width = width
        info.height = height
        info.channels = channels
        return StreamTrack(index: index, info: info, firstMs: 0, lastMs: 0, bps: bps, maxBps: bps)
    }

    static let tracks = [
        track(0, "video", "H264", bps: 500_000, width: 1920, height: 1080),
        track(1, "video", "H264", bps: 150_000, width: 1280, height: 720),
        track(2, "video", "HEVC", bps: 60_000, width: 640, height: 360),
        track(3, "audio", "AAC", bps: 16_000, channels: 2, language: "eng"),
        track(4, "audio", "AAC", bps: 24_000, channels: 6, language: "nld"),
        track(5, "audio", "MP3", bps: 16_000, channels: 1, language: "ger"),
    ]

    static func pick(_ selector: String, _ type: String) -> [Int] {
        TrackSelector.select(selector, type: type, from: tracks).map(\.index)
    }

    @Test func selectorsFollowMistServersGrammar() {
        #expect(Self.pick("none", "video") == [])
        #expect(Self.pick("-1", "audio") == [])
        #expect(Self.pick("all", "video") == [0, 1, 2])
        #expect(Self.pick("*", "audio") == [3, 4, 5])
        #expect(Self.pick("1", "video") == [1])
        #expect(Self.pick("3", "video") == [])  // an index of another type
        #expect(Self.pick("i12", "video") == [2])
        #expect(Self.pick("720p", "video") == [1])
        #expect(Self.pick("640x360", "video") == [2])
        #expect(Self.pick("highres", "video") == [0])
        #expect(Self.pick("lowbps", "video") == [2])
        #expect(Self.pick(">1mbps", "video") == [0, 1])  // bits per second against bytes ×8
        #expect(Self.pick("<1000x1000", "video") == [1, 2])
        #expect(Self.pick("max<2mbps", "video") == [1])
        #expect(Self.pick("~1000x600", "video") == [1])
        #expect(Self.pick("hevc", "video") == [2])
        #expect(Self.pick("surround", "audio") == [4])
        #expect(Self.pick("stereo,mono", "audio") == [3, 5])
        #expect(Self.pick("6ch", "audio") == [4])
        #expect(Self.pick("en", "audio") == [3])
        #expect(Self.pick("dut", "audio") == [4])
        #expect(Self.pick("de", "audio") == [5])
        #expect(Self.pick("!mp3", "audio") == [3, 4])
        #expect(Self.pick("all,!aac", "audio") == [5])
        #expect(Self.pick("aac,|stereo", "audio") == [3])
        #expect(Self.pick("H264", "video") == [0, 1])
        #expect(Self.pick("aac", "aac") == [3, 4])  // a codec as the type
        #expect(Self.pick(">99999999999999999999bps,>0x0,max<kbps", "video") == [0, 1, 2])
    }
}
