import Testing

@testable import MistMedia

@Suite struct OpusHeaderTests {
    /// What libopus writes for stereo at 48 kHz: pre-skip 312, no gain, mapping family 0.
    static let opusHead = hex("4f70757348656164 01 02 3801 80bb0000 0000 00")

    @Test func opusHeadAndDOpsCarryTheSameHeader() throws {
        let header = try OpusHeader(opusHead: Self.opusHead)
        #expect(header.channels == 2 && header.preSkip == 312 && header.inputSampleRate == 48000)
        #expect(header.dOps == hex("00 02 0138 0000bb80 0000 00"))
        #expect(try OpusHeader(dOps: header.dOps).opusHead == Self.opusHead)
        // A surround header keeps its mapping table both ways.
        let surround = hex("4f70757348656164 01 06 3801 80bb0000 0000 01 04 02 000401020305")
        #expect(try OpusHeader(dOps: OpusHeader(opusHead: surround).dOps).opusHead == surround)
        #expect(throws: MediaError.self) { try OpusHeader(opusHead: Array("OpusTags".utf8) + [1, 2]) }
        #expect(throws: MediaError.self) { try OpusHeader(opusHead: Array(Self.opusHead.prefix(12))) }
    }

    @Test func tsCarriesOpusWithItsDescriptorsAndControlHeader() throws {
        #expect(OpusHeader.tsControlHeader(packetSize: 300) == [0x7F, 0xE0, 0xFF, 0x2D])
        #expect(OpusHeader.tsControlHeader(packetSize: 120) == [0x7F, 0xE0, 0x78])
        var muxer = try TSMuxer(tracks: [.init(codec: "opus", initData: Self.opusHead)])
        let pmt = Array(muxer.programTables()[188..<(188 + 37)])
        // Stream type 0x06 on PID 0x100 with 10 bytes of descriptors: registration "Opus" and the
        // extension descriptor with 2 channels.
        #expect(Array(pmt[17..<32]) == hex("06e100f00a 05044f707573 7f028002"))
        let frame: [UInt8] = [0xFC, 0x01, 0x02]
        let packets = try frame.withUnsafeBytes {
            try muxer.frame(track: 0, time: 20, offset: 0, keyframe: true, data: $0)
        }
        let adaptation = Int(packets[4])
        let pes = Array(packets[(5 + adaptation)...])
        #expect(Array(pes[0..<4]) == [0, 0, 1, 0xBD])  // private stream 1
        #expect(Array(pes[14..<19]) == [0x7F, 0xE0, 0x03, 0xFC, 0x01])
    }

    @Test func packetLengthsFromTheTOC() {
        #expect(OpusHeader.samples(inPacket: [0xFC, 0x01][...]) == 960)  // CELT 20 ms, one frame
        #expect(OpusHeader.samples(inPacket: [0x09][...]) == 1920)  // SILK 40 ms
        #expect(OpusHeader.samples(inPacket: [0xF5][...]) == 960)  // CELT 10 ms, two frames
        #expect(OpusHeader.samples(inPacket: [0xE3, 0x03][...]) == 360)  // CELT 2.5 ms, three frames
        #expect(OpusHeader.samples(inPacket: [0xE3][...]) == nil)
        #expect(OpusHeader.samples(inPacket: [][...]) == nil)
    }

    @Test func tsOpusReadsBackFrameForFrame() throws {
        var muxer = try TSMuxer(tracks: [.init(codec: "opus", initData: Self.opusHead)])
        var stream = muxer.programTables()
        // 20 ms packets, one of them longer than 255 bytes (a size run).
        let frames: [[UInt8]] = [[0xFC, 1, 2], [0xFC] + [UInt8](repeating: 7, count: 300), [0xFC, 9]]
        for (number, frame) in frames.enumerated() {
            stream += try frame.withUnsafeBytes {
                try muxer.frame(track: 0, time: UInt64(1000 + 20 * number), offset: 0, keyframe: true, data: $0)
            }
        }
        let demuxer = try TSDemuxer(bytes: stream)
        #expect(demuxer.tracks.count == 1)
        #expect(demuxer.tracks.first?.codec == "opus" && demuxer.tracks.first?.channels == 2)
        #expect(try OpusHeader(opusHead: demuxer.tracks.first?.initData ?? []).channels == 2)
        #expect(demuxer.samples.map(\.time) == [1000, 1020, 1040])
        #expect(demuxer.samples.compactMap(\.data) == frames)
    }

    @Test func mp4CarriesOpusAndMP3SampleEntries() throws {
        let writer = FMP4Writer(tracks: [
            .init(codec: "opus", initData: Self.opusHead, rate: 48000, channels: 2),
            .init(codec: "MP3", initData: [], rate: 44100, channels: 2),
        ])
        let moov = try writer.initSegment()
        let opus = try #require(find("Opus", in: moov))
        #expect(Array(moov[(opus + 20)..<(opus + 22)]) == [0, 2])  // channels
        #expect(Array(moov[(opus + 28)..<(opus + 32)]) == hex("bb800000"))  // 48 kHz
        let dOps = try #require(find("dOps", in: moov))
        #expect(Array(moov[(dOps + 4)..<(dOps + 15)]) == hex("00 02 0138 0000bb80 0000 00"))
        let esds = try #require(find("esds", in: moov))
        #expect(moov[esds + 4 + 4 + 2 + 3 + 2] == 0x6B)  // MPEG-1 audio layer 3
    }

    /// The offset of the type of the first box `type` in `bytes`.
    func find(_ type: String, in bytes: [UInt8]) -> Int? {
        let needle = Array(type.utf8)
        return (0..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == needle }
    }
}
