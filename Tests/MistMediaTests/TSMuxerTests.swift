import Testing

@testable import MistMedia

@Suite struct TSMuxerTests {
    @Test func programTablesByteForByte() throws {
        var muxer = try TSMuxer(tracks: [
            .init(codec: "H264", initData: CodecTests.avcC), .init(codec: "AAC", initData: [0x11, 0x88]),
        ])
        let tables = muxer.programTables()
        #expect(tables.count == 376)
        // PAT: program 1 on PID 0x1000, and its CRC.
        #expect(Array(tables[0..<21]) == hex("4740 0010 00 00b00d0001c100000001f000 2ab104b2"))
        // PMT: PCR on the video PID; H.264 on 0x100, AAC on 0x101.
        let pmt = Array(tables[188..<(188 + 31)])
        #expect(pmt == hex("475000 10 00 02b0170001c10000e100f000 1be100f000 0fe101f000") + Array(pmt[27..<31]))
        #expect(MPEGCRC32.checksum(pmt[5..<31]) == 0)  // a section with its CRC checks to zero
        #expect(tables[(188 + 31)...].allSatisfy { $0 == 0xFF })
        // Continuity counters advance per PID.
        #expect(muxer.programTables()[3] == 0x11)
    }

    @Test func framesBecomePESInPackets() throws {
        var muxer = try TSMuxer(tracks: [.init(codec: "H264", initData: CodecTests.avcC)])
        let nal: [UInt8] = [0, 0, 0, 3, 0x65, 0xAA, 0xBB]
        let packets = try nal.withUnsafeBytes {
            try muxer.frame(track: 0, time: 1000, offset: 80, keyframe: true, data: $0)
        }
        #expect(packets.count == 188)
        #expect(Array(packets[0..<4]) == [0x47, 0x41, 0x00, 0x30])  // start, PID 0x100, adaptation + payload
        // PCR 1000 ms = 90000 ticks.
        let adaptation = Int(packets[4])
        #expect(packets[5] == 0x50)
        let pcr = packets[6..<11].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } >> 7
        #expect(pcr == 90000)
        let pes = Array(packets[(5 + adaptation)...])
        #expect(Array(pes[0..<4]) == [0, 0, 1, 0xE0])
        #expect(pes[7] == 0xC0 && pes[8] == 10)  // PTS and DTS
        #expect(TSMuxer.timestamp(97200, marker: 0x30) == Array(pes[9..<14]))  // PTS = 1080 ms
        #expect(TSMuxer.timestamp(90000, marker: 0x10) == Array(pes[14..<19]))
        // AUD, SPS, PPS, then the frame in Annex B.
        let body = Array(pes[19...])
        #expect(Array(body[0..<6]) == [0, 0, 0, 1, 0x09, 0xF0])
        #expect(Array(body.suffix(7)) == [0, 0, 0, 1, 0x65, 0xAA, 0xBB])
        #expect(throws: MediaError.self) {
            try [0, 0, 0, 9, 1].withUnsafeBytes {
                try muxer.frame(track: 0, time: 0, offset: 0, keyframe: false, data: $0)
            }
        }
    }

    @Test(arguments: [1, 2, 170, 176, 177, 182, 183, 184, 185, 400, 5000])
    func everyPacketIs188BytesWithContinuousCounters(size: Int) throws {
        var muxer = try TSMuxer(tracks: [.init(codec: "AAC", initData: [0x11, 0x88])])
        var out: [UInt8] = []
        for index in 0..<3 {
            let frame = [UInt8](repeating: UInt8(index), count: size)
            out += try frame.withUnsafeBytes {
                try muxer.frame(track: 0, time: UInt64(index * 21), offset: 0, keyframe: true, data: $0)
            }
        }
        #expect(out.count % 188 == 0)
        var counter: UInt8?
        var payload = 0
        for start in stride(from: 0, to: out.count, by: 188) {
            #expect(out[start] == 0x47)
            let control = out[start + 3]
            if let counter { #expect(control & 0x0F == (counter + 1) & 0x0F) }
            counter = control & 0x0F
            let headerEnd = control & 0x20 != 0 ? start + 5 + Int(out[start + 4]) : start + 4
            payload += start + 188 - headerEnd
        }
        // ADTS header (7) + PES header (14) + frame, three times.
        #expect(payload == 3 * (size + 7 + 14))
    }
}
