import Foundation
import Testing

@testable import MistData

/// The header cache MistServer itself wrote for a 10 s H.264 + AAC MP4.
@Suite struct DTSHTests {
    @Test func readsMistServerHeaderCache() throws {
        let header = try DTSHHeader(fileBytes: FixtureFile.bytes("v.mp4.dtsh"))
        #expect(header.isVOD && !header.isLive)
        #expect(header.version == 4)
        #expect(header.tracks.map(\.identifier) == ["video_H264_320x240_25fps_0", "audio_AAC_2ch_44100hz_1"])

        let video = header.tracks[0]
        #expect(video.type == "video" && video.codec == "H264")
        #expect(video.trackID == 1)
        #expect(video.width == 320 && video.height == 240 && video.fpks == 25000)
        #expect(video.lastMs == 9960)
        #expect(video.keys.count == 5)  // 10 s at a GOP of 50 frames
        #expect(video.keys.map(\.time) == [0, 2000, 4000, 6000, 8000])
        #expect(video.parts.count == 250)
        #expect(video.keys.reduce(0) { $0 + Int($1.partCount) } == video.parts.count)
        #expect(video.fragments.first?.firstKey == 0)

        let audio = header.tracks[1]
        #expect(audio.codec == "AAC" && audio.rate == 44100 && audio.channels == 2 && audio.sampleSize == 16)
        #expect(audio.initData == [0x12, 0x08, 0x56, 0xE5, 0x00])
    }

    @Test func rewritesMistServerHeaderCacheByteIdentical() throws {
        let bytes = try FixtureFile.bytes("v.mp4.dtsh")
        let header = try DTSHHeader(fileBytes: bytes)
        #expect(try header.encode() == bytes)
    }

    /// Our escaping of the binary init data matches what MistServer printed in its stream info.
    @Test func initDataPrintsAsMistServerPrintsIt() throws {
        let header = try DTSHHeader(fileBytes: FixtureFile.bytes("v.mp4.dtsh"))
        let info = String(decoding: try FixtureFile.bytes("json_vod.js"), as: UTF8.self)
        for track in header.tracks {
            let printed = JSONWriter.compact(JSONValue.string(bytes: track.initData))
            #expect(info.contains("\"init\":" + printed))
        }
    }

    @Test func truncatedHeaderCacheThrows() throws {
        let bytes = try FixtureFile.bytes("v.mp4.dtsh")
        for length in [0, 7, 8, 100, bytes.count / 2, bytes.count - 1] {
            #expect(throws: DTMIError.self) { try DTSHHeader(fileBytes: Array(bytes.prefix(length))) }
        }
    }
}
