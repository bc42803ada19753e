import Testing

@testable import MistMedia

/// TS and FLV written by our own muxers read back frame for frame, and garbage refused or
/// skipped without traps.
@Suite struct FileDemuxerTests {
    /// Video frames (one IDR or non-IDR slice, length-prefixed) every 40 ms with a keyframe
    /// every 10, audio frames every 21 ms.
    static func frames() -> [(track: Int, time: UInt64, offset: Int64, keyframe: Bool, data: [UInt8])] {
        var list: [(track: Int, time: UInt64, offset: Int64, keyframe: Bool, data: [UInt8])] = []
        for frame in 0..<30 {
            let key = frame % 10 == 0
            let slice: [UInt8] = [key ? 0x65 : 0x41] + [UInt8](repeating: UInt8(frame + 1), count: 300 + frame)
            list.append(
                (
                    0, UInt64(1000 + frame * 40), key ? 0 : 40, key,
                    [0, 0, UInt8(slice.count >> 8), UInt8(slice.count & 0xFF)] + slice
                ))
        }
        for frame in 0..<57 {
            list.append(
                (1, UInt64(1000 + frame * 21), 0, true, [UInt8](repeating: UInt8(frame), count: 50 + frame % 7)))
        }
        return list.sorted { $0.time != $1.time ? $0.time < $1.time : $0.track < $1.track }
    }

    @Test func tsFromOurMuxerReadsBack() throws {
        var muxer = try TSMuxer(tracks: [
            .init(codec: "H264", initData: CodecTests.avcC), .init(codec: "AAC", initData: [0x11, 0x88]),
        ])
        var stream = muxer.programTables()
        for frame in Self.frames() {
            if frame.keyframe && frame.track == 0 { stream += muxer.programTables() }
            stream += try frame.data.withUnsafeBytes {
                try muxer.frame(
                    track: frame.track, time: frame.time, offset: frame.offset, keyframe: frame.keyframe, data: $0)
            }
        }
        let demuxer = try TSDemuxer(bytes: stream)
        // Tracks in the order their first frames completed.
        #expect(Set(demuxer.tracks.map(\.codec)) == ["H264", "AAC"])
        let videoTrack = try #require(demuxer.tracks.firstIndex { $0.codec == "H264" })
        let audioTrack = try #require(demuxer.tracks.firstIndex { $0.codec == "AAC" })
        // The avcC rebuilt from the in-band SPS and PPS equals the one muxed.
        #expect(demuxer.tracks[videoTrack].initData == CodecTests.avcC)
        #expect(demuxer.tracks[videoTrack].width == 640)
        #expect(demuxer.tracks[audioTrack].rate == 48000 && demuxer.tracks[audioTrack].channels == 1)
        let expected = Self.frames()
        let video = demuxer.samples.filter { $0.track == videoTrack }
        let audio = demuxer.samples.filter { $0.track == audioTrack }
        #expect(video.map(\.time) == expected.filter { $0.track == 0 }.map(\.time))
        #expect(video.map(\.offset) == expected.filter { $0.track == 0 }.map(\.offset))
        #expect(video.map(\.keyframe) == expected.filter { $0.track == 0 }.map(\.keyframe))
        // Annex B back to length prefixes, without the access unit delimiters and parameter sets.
        #expect(video.map { $0.data ?? [] } == expected.filter { $0.track == 0 }.map(\.data))
        #expect(audio.map(\.time) == expected.filter { $0.track == 1 }.map(\.time))
        #expect(audio.map { $0.data ?? [] } == expected.filter { $0.track == 1 }.map(\.data))
    }

    @Test func tsTimestampsUnwrapPastTheirLimit() throws {
        var muxer = try TSMuxer(tracks: [.init(codec: "AAC", initData: [0x11, 0x88])])
        var stream = muxer.programTables()
        // 2^33 ticks at 90 kHz is 95443717 ms; cross it.
        let start: UInt64 = 95_443_717 - 100
        for frame in 0..<10 {
            stream += try [UInt8](repeating: 1, count: 20).withUnsafeBytes {
                try muxer.frame(track: 0, time: start + UInt64(frame * 21), offset: 0, keyframe: true, data: $0)
            }
        }
        let times = try TSDemuxer(bytes: stream).samples.map(\.time)
        #expect(times.count == 10 && zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
        #expect(times.last.map { $0 > 95_443_717 } == true)
    }

    @Test func flvFromOurTagsReadsBack() throws {
        var file = FLVTag.fileHeader(audio: true, video: true)
        let video = try #require(FLVMedia.videoPrefix(codec: "H264", keyframe: true, configuration: true, offset: 0))
        CodecTests.avcC.withUnsafeBytes { FLVTag.append(type: 9, timestamp: 0, prefix: video, body: $0, into: &file) }
        let audio = try #require(FLVMedia.audioPrefix(codec: "AAC", rate: 48000, channels: 1, configuration: true))
        [UInt8(0x11), 0x88].withUnsafeBytes {
            FLVTag.append(type: 8, timestamp: 0, prefix: audio, body: $0, into: &file)
        }
        for frame in Self.frames() {
            let prefix =
                frame.track == 0
                ? FLVMedia.videoPrefix(
                    codec: "H264", keyframe: frame.keyframe, configuration: false, offset: Int32(frame.offset))
                : FLVMedia.audioPrefix(codec: "AAC", rate: 48000, channels: 1, configuration: false)
            frame.data.withUnsafeBytes {
                FLVTag.append(
                    type: frame.track == 0 ? 9 : 8, timestamp: UInt32(frame.time), prefix: prefix ?? [], body: $0,
                    into: &file)
            }
        }
        let demuxer = try FLVDemuxer(bytes: file)
        #expect(demuxer.tracks.map(\.codec) == ["H264", "AAC"] && demuxer.warnings.isEmpty)
        #expect(demuxer.tracks[0].initData == CodecTests.avcC && demuxer.tracks[0].width == 640)
        let expected = Self.frames()
        #expect(demuxer.samples.count == expected.count)
        for (sample, frame) in zip(demuxer.samples, expected) {
            #expect(sample.time == frame.time && sample.offset == frame.offset && sample.keyframe == frame.keyframe)
            #expect(Array(file[sample.position..<(sample.position + sample.size)]) == frame.data)
        }
        // Cut mid-tag: the whole tags stay, and the cut is reported.
        let cut = try FLVDemuxer(bytes: Array(file.prefix(file.count - 100)))
        #expect(cut.samples.count < expected.count && cut.warnings.contains { $0.contains("ends inside a tag") })
    }

    @Test func garbageIsRefusedOrSkipped() {
        #expect(throws: MediaError.self) { try FLVDemuxer(bytes: Array("not an flv".utf8)) }
        #expect(throws: MediaError.self) { try TSDemuxer(bytes: [UInt8](repeating: 0x11, count: 2000)) }
        // Random bytes with sync bytes every 188: no tracks, no trap.
        var noise = [UInt8](repeating: 0, count: 188 * 50)
        for index in noise.indices { noise[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 7) }
        for packet in 0..<50 { noise[packet * 188] = 0x47 }
        _ = try? TSDemuxer(bytes: noise)
    }
}
