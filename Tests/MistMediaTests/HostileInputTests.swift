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

/// Counts and lengths from files and senders are bounded by what the input can hold.
@Suite struct HostileCountTests {
    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        let size = UInt32(8 + payload.count)
        return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: size >> $0) } + Array(type.utf8) + payload
    }
    static func be32(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }

    @Test func aTrunWithoutSampleFieldsCannotDeclareBillionsOfSamples() throws {
        let tfhd = Self.box("tfhd", Self.be32(0) + Self.be32(1))
        let trun = Self.box("trun", Self.be32(0) + Self.be32(0xFFFF_FFFF))
        let moof = try #require(try MP4Box.list(Self.box("moof", Self.box("traf", tfhd + trun))[...]).first)
        var states = [MP4Demuxer.TrackState(id: 1, timescale: 1000)]
        #expect(throws: MediaError.self) { try MP4Demuxer.fragment(moof, states: &states, fileSize: 1 << 20) }
        #expect(states[0].ticks.isEmpty)
    }

    @Test func sampleTablesCannotAllocateOrLoopBeyondTheFile() throws {
        // A fixed sample size with a count far beyond what fits in the file.
        let stsz = Self.box("stsz", Self.be32(0) + Self.be32(1000) + Self.be32(50_000_000))
        let stbl = try #require(try MP4Box.list(Self.box("stbl", stsz)[...]).first)
        #expect(throws: MediaError.self) { try MP4Demuxer.sampleTable(stbl, trackID: 1, fileSize: 1 << 20) }
        // A sample-to-chunk run starting at chunk 4 billion, with one chunk offset.
        let sizes = Self.box("stsz", Self.be32(0) + Self.be32(10) + Self.be32(2))
        let stts = Self.box("stts", Self.be32(0) + Self.be32(1) + Self.be32(2) + Self.be32(40))
        let stsc = Self.box(
            "stsc",
            Self.be32(0) + Self.be32(2) + Self.be32(1) + Self.be32(1) + Self.be32(1)
                + Self.be32(0xFFFF_FFF0) + Self.be32(1) + Self.be32(1))
        let stco = Self.box("stco", Self.be32(0) + Self.be32(1) + Self.be32(100))
        let table = try #require(try MP4Box.list(Self.box("stbl", sizes + stts + stsc + stco)[...]).first)
        // (The first run used to walk every chunk number up to the second's start before the
        // second was found out of order: four billion turns.)
        #expect(throws: MediaError.self) { try MP4Demuxer.sampleTable(table, trackID: 1, fileSize: 1 << 20) }
    }

    @Test func aPESThatNeverEndsIsDroppedAtItsLimit() throws {
        var demuxer = TSDemuxer()
        // PAT, PMT with one H.264 stream on PID 0x100, then 12 MiB of one PES without a new start.
        func packet(_ pid: UInt16, start: Bool, _ payload: [UInt8]) -> [UInt8] {
            var bytes: [UInt8] = [0x47, UInt8(pid >> 8) | (start ? 0x40 : 0), UInt8(pid & 0xFF), 0x10]
            bytes += payload.prefix(184)
            return bytes + [UInt8](repeating: 0xFF, count: 188 - bytes.count)
        }
        let pat: [UInt8] = [0, 0x00, 0xB0, 0x0D, 0, 1, 0xC1, 0, 0, 0, 1, 0xF0, 0x00, 0, 0, 0, 0]
        let pmt: [UInt8] = [
            0, 0x02, 0xB0, 0x12, 0, 1, 0xC1, 0, 0, 0xE1, 0x00, 0xF0, 0x00, 0x1B, 0xE1, 0x00, 0xF0, 0, 0, 0, 0, 0,
        ]
        try demuxer.feed((packet(0, start: true, pat) + packet(0x1000, start: true, pmt))[...])
        try demuxer.feed(packet(0x100, start: true, [0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1])[...])
        let filler = packet(0x100, start: false, [UInt8](repeating: 7, count: 184))
        let burst = Array([[UInt8]](repeating: filler, count: 1000).joined())
        for _ in 0..<(12 << 20) / (184 * 1000) { try demuxer.feed(burst[...]) }
        #expect(demuxer.warnings.contains { $0.contains("was dropped") }, "\(demuxer.warnings)")
        #expect(demuxer.warnings.count <= TSDemuxer.maximumWarnings)
    }
}
