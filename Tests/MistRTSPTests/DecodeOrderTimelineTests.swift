import MistMedia
import Testing

@testable import MistRTSP

/// Decode times for RTP video: none needed without B-frames, rising and never after the
/// presentation with them, and a depth learnt from a stream that did not say.
@Suite struct DecodeOrderTimelineTests {
    /// x264 `-bf 2` (main profile): its VUI says two pictures of reordering; `-bf 0` (baseline) none.
    static let bFramesSPS = hex("674d400ceca0a0cfcf80880000030008000003019078a14cb0")
    static let baselineSPS = hex("6742c00cda05067e7c0440000003004000000c83c50aa8")

    static func hex(_ text: String) -> [UInt8] {
        stride(from: 0, to: text.count, by: 2).map {
            let start = text.index(text.startIndex, offsetBy: $0)
            return UInt8(text[start..<text.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
    }

    @Test func theSPSSaysHowDeepPicturesReorder() throws {
        #expect(try H264SPS(nalUnit: Self.bFramesSPS[...]).reorderDepth == 2)
        let baseline = try H264SPS(nalUnit: Self.baselineSPS[...])
        #expect(baseline.reorderDepth == 0 && baseline.width == 320 && baseline.fpks == 25000)
    }

    @Test func withoutBFramesTimesPassAsTheyAre() {
        var timeline = DecodeOrderTimeline(depth: 0, lead: 0)
        for time in stride(from: Int64(0), to: 400, by: 40) {
            let times = timeline.times(presentation: time)
            #expect(times.presentation == time && times.decode == time)
        }
    }

    @Test func bFramesGetRisingDecodeTimesBeforeTheirPresentation() {
        // I0 P3 B1 B2 P6 B4 B5 in decode order, 40 ms a picture.
        let order: [Int64] = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8].map { $0 * 40 }
        var timeline = DecodeOrderTimeline(depth: 1, lead: 40)
        let times = order.map { timeline.times(presentation: $0) }
        #expect(times.map(\.presentation) == order.map { $0 + 40 })
        #expect(times.map(\.decode) == [0, 40, 80, 120, 160, 200, 240, 280, 320, 360])
        #expect(times.allSatisfy { $0.decode <= $0.presentation })
    }

    @Test func aDepthNobodySaidIsLearnt() {
        let order: [Int64] = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 12, 10, 11].map { $0 * 40 }
        var timeline = DecodeOrderTimeline(depth: 0, lead: 0)
        let times = order.map { timeline.times(presentation: $0) }
        #expect(timeline.depth == 1)
        let decodes = times.map(\.decode)
        #expect(decodes == decodes.sorted())
        #expect(times.allSatisfy { $0.decode <= $0.presentation })
        // Once learnt, presentations are kept as they were.
        #expect(Array(times.suffix(6).map(\.presentation)) == Array(order.suffix(6)))
    }
}
