import MistData
import MistShm
import Testing

@testable import MistOutput

/// The Livepeer process's own pieces: profiles completed from the source as MistServer
/// completes them, broadcaster lists, segment cuts, and renditions mapped onto the source's clock.
@Suite struct LivepeerTests {
    static func track(_ index: Int, _ type: String, width: UInt32 = 0, height: UInt32 = 0, fpks: UInt32 = 0)
        -> StreamTrack
    {
        var info = TrackInfo(type: type, codec: type == "video" ? "H264" : "AAC", id: UInt32(index), initData: [])
        (info.width, info.height, info.fpks) = (width, height, fpks)
        return StreamTrack(index: index, info: info, firstMs: 0, lastMs: 0, bps: 1000, maxBps: 1000)
    }

    static let landscape = track(0, "video", width: 1280, height: 720, fpks: 30000)

    @Test func profilesAreCompletedFromTheSourceTrack() throws {
        let profiles = try JSONParser.parse(
            #"[{"name": "a", "bitrate": 1, "height": 360}, {"name": "b", "bitrate": 1, "width": 641, "fps": 25}, "#
                + #"{"name": "c", "bitrate": 1, "gop": "2.0", "profile": "H264Main"}, "x"]"#)
        let resolved = LivepeerProfiles.resolve(profiles, source: Self.landscape, tracks: [Self.landscape])
        #expect(resolved.count == 3)
        #expect(resolved[0]["width"] == 640 && resolved[0]["height"] == 352)
        #expect(resolved[0]["fps"] == 30000 && resolved[0]["fpsDen"] == 1000)
        #expect(resolved[0]["gop"] == "0.0" && resolved[0]["profile"] == "H264High")
        // 641 wide: 360.56 high from the aspect, both cut down to multiples of 16.
        #expect(resolved[1]["width"] == 640 && resolved[1]["height"] == 352 && resolved[1]["fps"] == 25)
        #expect(!resolved[1].hasMember("fpsDen"))
        #expect(resolved[2]["width"] == 1280 && resolved[2]["height"] == 720)
        #expect(resolved[2]["gop"] == "2.0" && resolved[2]["profile"] == "H264Main")

        // On a portrait source a height alone is taken as the width.
        let portrait = Self.track(0, "video", width: 720, height: 1280)
        let turned = LivepeerProfiles.resolve(
            try JSONParser.parse(#"[{"name": "p", "height": 360}]"#), source: portrait, tracks: [portrait])
        #expect(turned[0]["width"] == 352 && turned[0]["height"] == 640 && turned[0]["fps"] == 25000)
    }

    @Test func aProfileWhoseInhibitorSelectsATrackIsLeftOut() throws {
        let small = Self.track(1, "video", width: 640, height: 360)
        let profiles = try JSONParser.parse(
            #"[{"name": "a", "height": 360, "track_inhibit": "video=640x360"}, "#
                + #"{"name": "b", "height": 720, "track_inhibit": "video=1920x1080"}]"#)
        let resolved = LivepeerProfiles.resolve(profiles, source: Self.landscape, tracks: [Self.landscape, small])
        #expect(resolved.count == 1 && resolved[0]["name"] == "b" && !resolved[0].hasMember("track_inhibit"))
    }

    @Test func hugeOrNegativeSizesStayBounded() throws {
        let profiles = try JSONParser.parse(
            #"[{"name": "a", "width": 9223372036854775807}, {"name": "b", "height": -5, "width": -7}]"#)
        let resolved = LivepeerProfiles.resolve(profiles, source: Self.landscape, tracks: [])
        #expect(resolved.count == 2)
        for profile in resolved {
            let width = profile["width"].intValue ?? -1
            let height = profile["height"].intValue ?? -1
            #expect((0...16384).contains(width) && (0...16384).contains(height), "\(profile)")
        }
    }

    @Test func broadcasterListsTakeEveryForm() throws {
        let hardcoded = LivepeerBroadcasters.hardcoded(#"["http://a", {"address": "http://b/"}, "http://a", 5]"#)
        let parsed = try #require(hardcoded)
        var list = try #require(LivepeerBroadcasters(parsed))
        #expect(Set(list.addresses) == ["http://a", "http://b/"])
        #expect(list.switchAway() && list.switches == 1)
        #expect(list.switchAway() && list.switches == 2)
        #expect(list.uploadURL(id: "t", number: 7).hasSuffix("/live/t/7.ts"))
        #expect(!list.uploadURL(id: "t", number: 7).contains("//live"))
        let one = try #require(LivepeerBroadcasters.hardcoded("http://only"))
        var single = try #require(LivepeerBroadcasters(one))
        #expect(!single.switchAway() && single.current == "http://only")
        #expect(LivepeerBroadcasters.hardcoded("ftp://x") == nil)
        #expect(LivepeerBroadcasters(JSONValue.array([])) == nil)
        #expect(LivepeerBroadcasters(["address": "http://x"]) == nil)
    }

    @Test func keyframesWithParameterSetsStartSegments() {
        let sps: [UInt8] = [0, 0, 0, 4, 0x67, 1, 2, 3]
        let slice: [UInt8] = [0, 0, 0, 4, 0x65, 1, 2, 3]
        let vps: [UInt8] = [0, 0, 0, 4, 0x40, 1, 2, 3]
        sps.withUnsafeBytes { #expect(LivepeerSegmenter.bringsParameterSets(codec: "H264", $0)) }
        slice.withUnsafeBytes { #expect(!LivepeerSegmenter.bringsParameterSets(codec: "H264", $0)) }
        vps.withUnsafeBytes { #expect(LivepeerSegmenter.bringsParameterSets(codec: "HEVC", $0)) }
        vps.withUnsafeBytes { #expect(!LivepeerSegmenter.bringsParameterSets(codec: "H264", $0)) }
        [UInt8]([0, 0, 0]).withUnsafeBytes { #expect(!LivepeerSegmenter.bringsParameterSets(codec: "H264", $0)) }
    }
}
