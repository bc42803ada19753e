import MistMedia
import Testing

/// EBML elements and the Matroska stream muxer, byte for byte where the format fixes the bytes.
@Suite struct MatroskaMuxerTests {
    @Test func sizesAndElementsAreEBMLs() {
        #expect(EBMLWriter.size(0) == [0x80])
        #expect(EBMLWriter.size(126) == [0xFE])
        // 127 in one byte would be all ones, which means "unknown".
        #expect(EBMLWriter.size(127) == [0x40, 0x7F])
        #expect(EBMLWriter.size(16_382) == [0x7F, 0xFE])
        #expect(EBMLWriter.size(16_383) == [0x20, 0x3F, 0xFF])
        #expect(EBMLWriter.id(0x1A45DFA3) == [0x1A, 0x45, 0xDF, 0xA3])
        #expect(EBMLWriter.id(0xA3) == [0xA3])
        #expect(EBMLWriter.unsigned(0x2AD7B1, 1_000_000) == [0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40])
        #expect(EBMLWriter.unsigned(0xD7, 0) == [0xD7, 0x81, 0x00])
        #expect(EBMLWriter.float(0xB5, 48000) == [0xB5, 0x88, 0x40, 0xE7, 0x70, 0, 0, 0, 0, 0])
        #expect(EBMLWriter.string(0x4282, "webm") == [0x42, 0x82, 0x84] + Array("webm".utf8))
    }

    static let video = MatroskaMuxer.Track(
        codec: "H264", type: "video", initData: [1, 0x64, 0, 0x1F, 0xFF], width: 640, height: 360)
    static let audio = MatroskaMuxer.Track(
        codec: "AAC", type: "audio", initData: [0x11, 0x90], rate: 48000, channels: 1)

    @Test func headerTracksAndClustersAtKeyframes() throws {
        var muxer = try MatroskaMuxer(tracks: [Self.video, Self.audio], duration: 6000)
        let header = muxer.header
        #expect(Array(header.prefix(4)) == [0x1A, 0x45, 0xDF, 0xA3])
        #expect(header.contains(subsequence: [0x42, 0x82, 0x88] + Array("matroska".utf8)))
        #expect(header.contains(subsequence: [0x18, 0x53, 0x80, 0x67] + EBMLWriter.unknownSize))
        #expect(header.contains(subsequence: [0x86, 0x8F] + Array("V_MPEG4/ISO/AVC".utf8)))
        #expect(header.contains(subsequence: [0x63, 0xA2, 0x85, 1, 0x64, 0, 0x1F, 0xFF]))
        #expect(header.contains(subsequence: EBMLWriter.float(0x4489, 6000)))
        var out: [UInt8] = []
        let frame: [UInt8] = [0, 0, 0, 2, 0x65, 0x88]
        let joined = frame.withUnsafeBytes {
            muxer.add(position: 0, time: 1000, offset: 0, keyframe: true, data: $0, into: &out)
        }
        #expect(joined)
        // A cluster of unknown size at 1000 ms, then the keyframe's block at offset 0.
        #expect(
            out
                == [0x1F, 0x43, 0xB6, 0x75] + EBMLWriter.unknownSize + [0xE7, 0x82, 0x03, 0xE8]
                + [0xA3, 0x8A, 0x81, 0x00, 0x00, 0x80] + frame)
        out = []
        // Audio 21 ms later joins the cluster: track 2, offset 21, no keyframe flag needed.
        let later = [UInt8](repeating: 7, count: 3).withUnsafeBytes {
            muxer.add(position: 1, time: 1021, offset: 0, keyframe: true, data: $0, into: &out)
        }
        #expect(!later && out == [0xA3, 0x87, 0x82, 0x00, 0x15, 0x80, 7, 7, 7])
        // A B-frame's presentation offset moves its block time.
        out = []
        _ = frame.withUnsafeBytes {
            muxer.add(position: 0, time: 1040, offset: 80, keyframe: false, data: $0, into: &out)
        }
        #expect(Array(out.prefix(6)) == [0xA3, 0x8A, 0x81, 0x00, 0x78, 0x00])
    }

    @Test func webmTakesOnlyItsCodecs() {
        #expect(throws: MediaError.self) { try MatroskaMuxer(tracks: [Self.video], webm: true) }
        let opus = MatroskaMuxer.Track(codec: "opus", type: "audio", initData: Array("OpusHead".utf8), rate: 48000)
        #expect(throws: Never.self) { try MatroskaMuxer(tracks: [opus], webm: true) }
    }
}

extension Array where Element == UInt8 {
    fileprivate func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<($0 + subsequence.count)]) == subsequence }
    }
}
