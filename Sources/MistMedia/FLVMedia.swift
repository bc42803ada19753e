/// The media inside FLV audio and video tag bodies (and RTMP audio/video messages): legacy
/// codec ids and Enhanced RTMP FourCCs, mapped to MistServer's codec names.
public enum FLVMedia {
    /// What a tag body holds.
    public enum Payload: Sendable, Equatable {
        /// Decoder configuration (avcC, hvcC, av1C, AudioSpecificConfig ...).
        case configuration(codec: String, data: ArraySlice<UInt8>)
        /// A video frame in length-prefixed NAL units (or OBUs); `offset` is the composition offset
        /// in milliseconds.
        case videoFrame(codec: String, keyframe: Bool, offset: Int32, data: ArraySlice<UInt8>)
        /// An audio frame, with the rate and channels the tag header states (AAC's real values
        /// come from its configuration).
        case audioFrame(codec: String, rate: UInt32, channels: UInt32, sampleSize: UInt32, data: ArraySlice<UInt8>)
        /// Nothing to keep (end of sequence, metadata, an unknown codec); the reason says what.
        case ignored(String)
    }

    static let videoFourCCs: [String: String] = ["avc1": "H264", "hvc1": "HEVC", "av01": "AV1", "vp09": "VP9"]
    static let legacyVideo: [UInt8: String] = [2: "H263", 4: "VP6", 5: "VP6Alpha", 7: "H264", 12: "HEVC"]
    static let legacyAudio: [UInt8: String] = [
        0: "PCM", 1: "ADPCM", 2: "MP3", 3: "PCM", 7: "ALAW", 8: "ULAW", 10: "AAC", 11: "Speex",
    ]
    static let audioRates: [UInt32] = [5512, 11025, 22050, 44100]

    public static func parseVideo(_ body: [UInt8]) throws(MediaError) -> Payload {
        var reader = ByteReader(body, what: "FLV video tag")
        let first = try reader.uint8()
        let keyframe = (first >> 4) & 7 == 1
        if first & 0x80 != 0 {
            // Enhanced RTMP: packet type in the low nibble, then a FourCC.
            let packetType = first & 0x0F
            let fourCC = String(decoding: try reader.take(4), as: UTF8.self)
            guard let codec = videoFourCCs[fourCC] else { return .ignored("video FourCC \(fourCC)") }
            switch packetType {
            case 0: return .configuration(codec: codec, data: reader.rest())
            case 1:
                let offset = try signed24(&reader)
                return .videoFrame(
                    codec: codec, keyframe: keyframe, offset: codec == "AV1" ? 0 : offset, data: reader.rest())
            case 3: return .videoFrame(codec: codec, keyframe: keyframe, offset: 0, data: reader.rest())
            default: return .ignored("video packet type \(packetType)")
            }
        }
        guard let codec = legacyVideo[first & 0x0F] else { return .ignored("video codec id \(first & 0x0F)") }
        guard codec == "H264" || codec == "HEVC" else {
            return .videoFrame(codec: codec, keyframe: keyframe, offset: 0, data: reader.rest())
        }
        let packetType = try reader.uint8()
        let offset = try signed24(&reader)
        switch packetType {
        case 0: return .configuration(codec: codec, data: reader.rest())
        case 1: return .videoFrame(codec: codec, keyframe: keyframe, offset: offset, data: reader.rest())
        default: return .ignored("end of sequence")
        }
    }

    public static func parseAudio(_ body: [UInt8]) throws(MediaError) -> Payload {
        var reader = ByteReader(body, what: "FLV audio tag")
        let first = try reader.uint8()
        let format = first >> 4
        guard let codec = legacyAudio[format] else { return .ignored("audio format \(format)") }
        let rate = audioRates[Int(first >> 2 & 3)]
        let sampleSize: UInt32 = first & 2 != 0 ? 16 : 8
        let channels: UInt32 = first & 1 != 0 ? 2 : 1
        if codec == "AAC" {
            let packetType = try reader.uint8()
            if packetType == 0 { return .configuration(codec: codec, data: reader.rest()) }
        }
        if codec == "MP3" && rate == 5512 {
            return .audioFrame(
                codec: codec, rate: 8000, channels: channels, sampleSize: sampleSize, data: reader.rest())
        }
        return .audioFrame(codec: codec, rate: rate, channels: channels, sampleSize: sampleSize, data: reader.rest())
    }

    /// The Enhanced RTMP FourCC of a MistServer codec name (`hvc1` for HEVC), for `onMetaData`.
    public static func fourCC(_ codec: String) -> String? {
        videoFourCCs.first(where: { $0.value == codec })?.key
    }

    /// The bytes before the payload of a video tag body: legacy ids for H.264, Enhanced RTMP
    /// FourCCs for HEVC and AV1. Nil for a codec FLV cannot carry.
    public static func videoPrefix(codec: String, keyframe: Bool, configuration: Bool, offset: Int32) -> [UInt8]? {
        let frameType: UInt8 = keyframe || configuration ? 1 : 2
        if codec == "H264" {
            let offsetBytes = configuration ? [0, 0, 0] : signed24Bytes(offset)
            return [frameType << 4 | 7, configuration ? 0 : 1] + offsetBytes
        }
        guard let fourCC = fourCC(codec) else { return nil }
        // AV1 frames carry no composition offset (CodedFramesX); the others do (CodedFrames).
        let packetType: UInt8 = configuration ? 0 : codec == "AV1" ? 3 : 1
        var prefix: [UInt8] = [0x80 | frameType << 4 | packetType] + Array(fourCC.utf8)
        if packetType == 1 { prefix += signed24Bytes(offset) }
        return prefix
    }

    /// The bytes before the payload of an audio tag body; nil for a codec FLV cannot carry.
    public static func audioPrefix(codec: String, rate: UInt32, channels: UInt32, configuration: Bool) -> [UInt8]? {
        let stereo: UInt8 = channels > 1 ? 1 : 0
        switch codec {
        case "AAC": return [0xAF, configuration ? 0 : 1]
        case "MP3":
            let rateIndex = UInt8(audioRates.lastIndex { $0 <= rate } ?? 3)
            return [0x20 | rateIndex << 2 | 2 | stereo]
        case "ALAW", "ULAW":
            return [(codec == "ALAW" ? 0x70 : 0x80) | 2 | stereo]
        default: return nil
        }
    }

    static func signed24(_ reader: inout ByteReader) throws(MediaError) -> Int32 {
        let raw = try reader.uint24()
        return Int32(bitPattern: raw & 0x80_0000 != 0 ? raw | 0xFF00_0000 : raw)
    }

    static func signed24Bytes(_ value: Int32) -> [UInt8] {
        let raw = UInt32(bitPattern: value)
        return [
            UInt8(truncatingIfNeeded: raw >> 16), UInt8(truncatingIfNeeded: raw >> 8), UInt8(truncatingIfNeeded: raw),
        ]
    }
}
