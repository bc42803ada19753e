import Testing

@testable import MistMedia

@Suite struct CodecTests {
    /// SPS and PPS x264 wrote for a 640x360 25 fps test pattern.
    static let sps = hex("6742c01eda0280bfe5c044000003000400000300c83c58ba80")
    static let pps = hex("68ce0fc8")
    /// VPS, SPS and PPS x265 wrote for 320x240.
    static let hevcParameterSets: [(UInt8, [UInt8])] = [
        (32, hex("40010c01ffff01600000030090000003000003003c959809")),
        (33, hex("42010101600000030090000003000003003ca00a080f165959a4932bc05a020000030002000003003210")),
        (34, hex("4401c172b46240")),
    ]

    static var avcC: [UInt8] {
        [1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, UInt8(sps.count)] + sps + [1, 0, UInt8(pps.count)] + pps
    }

    static var hvcC: [UInt8] {
        var out: [UInt8] = [1] + [UInt8](repeating: 0, count: 20) + [0x0F, UInt8(hevcParameterSets.count)]
        for (type, unit) in hevcParameterSets {
            out += [0x80 | type, 0, 1, UInt8(unit.count >> 8), UInt8(unit.count & 0xFF)] + unit
        }
        return out
    }

    @Test func h264SequenceParameterSet() throws {
        let sps = try H264SPS(nalUnit: Self.sps[...])
        #expect(sps.width == 640 && sps.height == 360)
        #expect(sps.profile == 66 && sps.level == 30)
        #expect(sps.fpks == 25000)
        let configuration = try AVCDecoderConfiguration(bytes: Self.avcC)
        #expect(configuration.lengthSize == 4)
        #expect(configuration.pictureParameterSets == [Self.pps])
        #expect(try configuration.sps() == sps)
        #expect(throws: MediaError.self) { try H264SPS(nalUnit: Self.sps[0..<6]) }
        #expect(throws: MediaError.self) { try AVCDecoderConfiguration(bytes: Array(Self.avcC.prefix(9))) }
    }

    @Test func hevcPictureSize() throws {
        let configuration = try HEVCDecoderConfiguration(bytes: Self.hvcC)
        #expect(configuration.arrays.map(\.type) == [32, 33, 34])
        let size = try configuration.pictureSize()
        #expect(size.width == 320 && size.height == 240)
    }

    @Test func aacConfigurationAndADTS() throws {
        let configuration = try AACConfiguration(bytes: [0x11, 0x88])
        #expect(configuration == AACConfiguration(objectType: 2, sampleRate: 48000, channels: 1))
        #expect(configuration.bytes == [0x11, 0x88])
        let header = configuration.adtsHeader(payloadLength: 100)
        #expect(header == [0xFF, 0xF1, 0x4C, 0x40, 0x0D, 0x7F, 0xFC])
        let parsed = try AACConfiguration.parseADTS(header[...])
        #expect(parsed.configuration == configuration)
        #expect(parsed.headerLength == 7 && parsed.frameLength == 107)
        #expect(throws: MediaError.self) { try AACConfiguration(bytes: [0x17, 0x88]) }
        #expect(throws: MediaError.self) { try AACConfiguration.parseADTS([0xFF, 0xF1][...]) }
    }

    @Test func flvVideoPayloads() throws {
        // Legacy H.264: keyframe, NALU, composition offset 40 ms.
        let frame = try FLVMedia.parseVideo([0x17, 1, 0, 0, 40, 9, 9])
        #expect(frame == .videoFrame(codec: "H264", keyframe: true, offset: 40, data: [9, 9][...]))
        #expect(
            FLVMedia.videoPrefix(codec: "H264", keyframe: true, configuration: false, offset: 40) == [
                0x17, 1, 0, 0, 40,
            ])
        #expect(
            try FLVMedia.parseVideo([0x17, 0, 0, 0, 0] + Self.avcC)
                == .configuration(codec: "H264", data: Self.avcC[...]))
        // Enhanced RTMP: HEVC sequence start, coded frames with a negative offset, AV1 frames.
        let start = try #require(FLVMedia.videoPrefix(codec: "HEVC", keyframe: true, configuration: true, offset: 0))
        #expect(start == [0x90] + Array("hvc1".utf8))
        #expect(try FLVMedia.parseVideo(start + Self.hvcC) == .configuration(codec: "HEVC", data: Self.hvcC[...]))
        let coded = try #require(FLVMedia.videoPrefix(codec: "HEVC", keyframe: false, configuration: false, offset: -2))
        #expect(coded == [0xA1] + Array("hvc1".utf8) + [0xFF, 0xFF, 0xFE])
        #expect(
            try FLVMedia.parseVideo(coded + [5])
                == .videoFrame(codec: "HEVC", keyframe: false, offset: -2, data: [5][...]))
        let av1 = try #require(FLVMedia.videoPrefix(codec: "AV1", keyframe: true, configuration: false, offset: 0))
        #expect(
            try FLVMedia.parseVideo(av1 + [7]) == .videoFrame(codec: "AV1", keyframe: true, offset: 0, data: [7][...]))
        #expect(try FLVMedia.parseVideo([0x90] + Array("xyz1".utf8)) == .ignored("video FourCC xyz1"))
        #expect(throws: MediaError.self) { try FLVMedia.parseVideo([0x17, 1]) }
    }

    @Test func flvAudioPayloadsAndTags() throws {
        #expect(
            try FLVMedia.parseAudio([0xAF, 0, 0x11, 0x88]) == .configuration(codec: "AAC", data: [0x11, 0x88][...]))
        #expect(
            try FLVMedia.parseAudio([0xAF, 1, 3])
                == .audioFrame(codec: "AAC", rate: 44100, channels: 2, sampleSize: 16, data: [3][...]))
        #expect(
            try FLVMedia.parseAudio([0x2E, 4])
                == .audioFrame(codec: "MP3", rate: 44100, channels: 1, sampleSize: 16, data: [4][...]))
        #expect(FLVMedia.audioPrefix(codec: "MP3", rate: 44100, channels: 2, configuration: false) == [0x2F])
        let tag = FLVTag(type: FLVTag.video, timestamp: 0x0102_0304, data: [0xAA])
        #expect(tag.fileBytes == hex("09 000001 020304 01 000000 aa 0000000c"))
        var reader = ByteReader(tag.fileBytes)
        #expect(try FLVTag.read(&reader) == tag)
        #expect(FLVTag.fileHeader(audio: true, video: true) == hex("464c5601 05 00000009 00000000"))
    }
}
