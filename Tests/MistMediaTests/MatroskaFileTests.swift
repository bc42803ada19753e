import MistMedia
import Testing

/// Matroska files of planned layout: the length is the bytes' count, every cue points at the
/// cluster of its time, the SeekHead finds the Cues, and our demuxer reads the frames back.
@Suite struct MatroskaFileTests {
    static func frames() -> [MatroskaFile.Frame] {
        var frames: [MatroskaFile.Frame] = []
        // 6 s of 25 fps video with a keyframe every 2 s, and 48 kHz AAC frames.
        for index in 0..<150 {
            frames.append(
                .init(track: 0, time: UInt64(index * 40), offset: 0, size: 200 + index % 7, keyframe: index % 50 == 0))
            frames.append(.init(track: 1, time: UInt64(index * 40 + 5), offset: 0, size: 100, keyframe: true))
        }
        return frames
    }

    static func assemble(_ file: MatroskaFile, _ frames: [MatroskaFile.Frame]) -> [UInt8] {
        var bytes = file.header
        for (index, frame) in frames.enumerated() {
            bytes += file.prefix(of: index)
            bytes += [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: frame.size)
        }
        return bytes
    }

    /// An unsigned big-endian value of `count` bytes at `at`.
    static func value(_ bytes: [UInt8], _ at: Int, _ count: Int) -> UInt64 {
        bytes[at..<(at + count)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    @Test func cuesPointAtTheirClustersAndTheFileReadsBack() throws {
        let frames = Self.frames()
        let file = try MatroskaFile(
            tracks: [MatroskaMuxerTests.video, MatroskaMuxerTests.audio], webm: false, duration: 6000, frames: frames)
        let bytes = Self.assemble(file, frames)
        #expect(bytes.count == file.length)
        // The segment's size runs to the file's end.
        let segment = try #require(bytes.firstRange(of: [0x18, 0x53, 0x80, 0x67]))
        #expect(bytes[segment.upperBound] == 0x01)
        let segmentData = segment.upperBound + 8
        #expect(Int(Self.value(bytes, segment.upperBound + 1, 7)) == bytes.count - segmentData)
        // Three clusters (keyframes at 0, 2 and 4 s), each cue's position lands on a Cluster ID.
        var cursor = 0
        var cues: [(time: UInt64, position: Int)] = []
        while let point = bytes[cursor...].firstRange(of: [0xBB]), point.lowerBound < segmentData + 400 {
            cursor = point.upperBound
            // CuePoint: size, CueTime (B3), CueTrackPositions (B7) with CueTrack and an 8-byte position.
            guard bytes[cursor + 1] == 0xB3 else { continue }
            let timeLength = Int(bytes[cursor + 2] & 0x7F)
            let time = Self.value(bytes, cursor + 3, timeLength)
            let place = cursor + 3 + timeLength
            guard bytes[place] == 0xB7, let position = bytes[place...].firstRange(of: [0xF1, 0x88]) else { continue }
            cues.append((time, Int(Self.value(bytes, position.upperBound, 8))))
        }
        #expect(cues.map(\.time) == [0, 2000, 4000], "\(cues)")
        for cue in cues {
            #expect(
                Array(bytes[(segmentData + cue.position)..<(segmentData + cue.position + 4)]) == [
                    0x1F, 0x43, 0xB6, 0x75,
                ])
        }
        // The SeekHead's Cues entry points at the Cues element.
        let seekCues = try #require(bytes.firstRange(of: [0x53, 0xAB, 0x84, 0x1C, 0x53, 0xBB, 0x6B, 0x53, 0xAC, 0x88]))
        let cuesAt = segmentData + Int(Self.value(bytes, seekCues.upperBound, 8))
        #expect(Array(bytes[cuesAt..<(cuesAt + 4)]) == [0x1C, 0x53, 0xBB, 0x6B])
        // Our demuxer reads every frame back, in order, with its time and size.
        let demuxer = try MatroskaDemuxer(bytes: bytes)
        #expect(demuxer.samples.count == frames.count)
        #expect(demuxer.samples.map(\.time) == frames.map(\.time))
        #expect(demuxer.samples.map(\.size) == frames.map(\.size))
        #expect(demuxer.samples.filter(\.keyframe).count == 3 + 150)
    }

    @Test func aFrameOfNoTrackIsRefused() {
        #expect(throws: MediaError.self) {
            try MatroskaFile(
                tracks: [MatroskaMuxerTests.video], webm: false, duration: nil,
                frames: [.init(track: 3, time: 0, offset: 0, size: 1, keyframe: true)])
        }
    }
}
