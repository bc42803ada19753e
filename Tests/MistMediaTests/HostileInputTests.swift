import Testing

@testable import MistMedia

/// Inputs that used to trap (a Swift runtime abort of the whole process) now read as numbers
/// clamped to their range, or as the typed error of a broken input.
@Suite struct HostileInputTests {
    @Test func playlistDurationsOfInfinityNaNAndHugeNumbersAreClamped() throws {
        let text = """
            #EXTM3U
            #EXT-X-TARGETDURATION:99999999999999999
            #EXT-X-MEDIA-SEQUENCE:3
            #EXTINF:inf,
            a.ts
            #EXTINF:1e300,
            b.ts
            #EXTINF:nan,
            c.ts
            #EXTINF:-5,
            d.ts
            #EXTINF:2.5,
            e.ts
            """
        guard case .media(let segments, let target, let ended) = try HLSPlaylistReader.parse(text) else {
            Issue.record("not a media playlist")
            return
        }
        #expect(target == .max && !ended)
        #expect(segments.map(\.duration) == [.max, .max, 0, 0, 2500])
        #expect(segments.map(\.sequence) == [3, 4, 5, 6, 7])
    }

    /// Bits for a hand-made SPS.
    struct BitWriter {
        var bytes: [UInt8] = []
        var count = 0
        mutating func bit(_ value: UInt32) {
            if count % 8 == 0 { bytes.append(0) }
            if value != 0 { bytes[bytes.count - 1] |= 0x80 >> UInt8(count % 8) }
            count += 1
        }
        mutating func bits(_ value: UInt32, _ width: Int) {
            for shift in stride(from: width - 1, through: 0, by: -1) { bit((value >> UInt32(shift)) & 1) }
        }
        mutating func ue(_ value: UInt32) {
            let code = UInt64(value) + 1
            let width = 64 - code.leadingZeroBitCount
            bits(0, width - 1)
            for shift in stride(from: width - 1, through: 0, by: -1) { bit(UInt32((code >> UInt64(shift)) & 1)) }
        }
        mutating func se(_ value: Int64) { ue(UInt32(value > 0 ? 2 * value - 1 : -2 * value)) }
    }

    /// A High-profile SPS whose first scaling list has `delta` as its first delta_scale.
    static func highProfileSPS(delta: Int64) -> [UInt8] {
        var writer = BitWriter()
        writer.bits(0x67, 8)
        writer.bits(100, 8)
        writer.bits(0, 8)
        writer.bits(40, 8)
        writer.ue(0)  // seq_parameter_set_id
        writer.ue(1)  // chroma_format_idc
        writer.ue(0)
        writer.ue(0)
        writer.bit(0)
        writer.bit(1)  // seq_scaling_matrix_present_flag
        writer.bit(1)  // list 0 present
        writer.se(delta)
        for _ in 0..<15 { writer.se(0) }
        for _ in 1..<8 { writer.bit(0) }
        writer.ue(0)  // log2_max_frame_num_minus4
        writer.ue(2)  // pic_order_cnt_type
        writer.ue(1)  // max_num_ref_frames
        writer.bit(0)
        writer.ue(79)  // 1280 wide
        writer.ue(44)  // 720 high
        writer.bit(1)  // frame_mbs_only
        writer.bit(1)
        writer.bit(0)  // no cropping
        writer.bit(0)  // no VUI
        writer.bit(1)
        return writer.bytes
    }

    @Test func anSPSScalingListDeltaOutOfRangeIsAnErrorNotAnOverflow() throws {
        let good = try H264SPS(nalUnit: Self.highProfileSPS(delta: 4)[...])
        #expect(good.profile == 100 && good.width == 1280 && good.height == 720)
        for delta: Int64 in [Int64(Int32.max), 128, -129, Int64(Int32.min) + 1] {
            #expect(throws: MediaError.self, "delta \(delta)") {
                try H264SPS(nalUnit: Self.highProfileSPS(delta: delta)[...])
            }
        }
    }
}
