import MistData
import MistShm

/// The deterministic test stream both the peer processes and the tests build: H.264-like video
/// at 25 fps with a key every 2 s and composition offsets, and AAC-like audio every 23 ms, with
/// payloads whose bytes and sizes depend on track and packet number.
public enum TestStream {
    public struct Packet: Sendable {
        public let track: Int
        public let time: UInt64
        public let offset: Int64
        public let keyframe: Bool
        public let payload: [UInt8]

        public init(track: Int, time: UInt64, offset: Int64, keyframe: Bool, payload: [UInt8]) {
            self.track = track
            self.time = time
            self.offset = offset
            self.keyframe = keyframe
            self.payload = payload
        }
    }

    public static let tracks: [TrackInfo] = {
        var video = TrackInfo(type: "video", codec: "H264", id: 1, initData: [0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1])
        video.width = 1280
        video.height = 720
        video.fpks = 25000
        var audio = TrackInfo(
            type: "audio", codec: "AAC", id: 2, initData: [0x11, 0x90, 0x56, 0xE5, 0x00], language: "eng")
        audio.rate = 48000
        audio.channels = 2
        audio.sampleSize = 16
        return [video, audio]
    }()

    public static func payload(track: Int, number: Int) -> [UInt8] {
        let size = track == 0 ? (number % 50 == 0 ? 20_000 : 1_000 + (number * 37) % 3_000) : 200 + (number * 13) % 300
        var state = UInt32(truncatingIfNeeded: track * 1_000_003 + number * 7919 + 1)
        return (0..<size).map { _ in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
    }

    /// Every packet in the order a live source sends them (interleaved by time, video first on ties).
    public static func packets(seconds: UInt64) -> [Packet] {
        var video: [Packet] = []
        var number = 0
        while UInt64(number) * 40 < seconds * 1000 {
            video.append(
                Packet(
                    track: 0, time: UInt64(number) * 40, offset: number % 50 == 0 ? 0 : 80,
                    keyframe: number % 50 == 0, payload: payload(track: 0, number: number)))
            number += 1
        }
        var audio: [Packet] = []
        number = 0
        while UInt64(number) * 23 < seconds * 1000 {
            audio.append(
                Packet(
                    track: 1, time: UInt64(number) * 23, offset: 0, keyframe: false,
                    payload: payload(track: 1, number: number)))
            number += 1
        }
        var merged: [Packet] = []
        var v = 0
        var a = 0
        while v < video.count || a < audio.count {
            if a >= audio.count || (v < video.count && video[v].time <= audio[a].time) {
                merged.append(video[v])
                v += 1
            } else {
                merged.append(audio[a])
                a += 1
            }
        }
        return merged
    }

    /// The DTSC frames a reader must get for `packets`, in order: track ids are the writer's
    /// track indices, and non-video tracks get a key on their first packet and every 2047 ms.
    public static func expectedFrames(_ packets: [Packet]) throws -> [[UInt8]] {
        var lastAudioKey: [Int: UInt64] = [:]
        return try packets.map { packet in
            var keyframe = packet.keyframe
            if tracks[packet.track].type != "video" {
                if let last = lastAudioKey[packet.track], packet.time - last < 2047 {
                    keyframe = false
                } else {
                    keyframe = true
                    lastAudioKey[packet.track] = packet.time
                }
            }
            return try packet.payload.withUnsafeBytes {
                try DTSCFrameWriter.mediaPacket(
                    trackID: UInt32(packet.track), time: packet.time, offset: packet.offset, keyframe: keyframe,
                    data: $0)
            }
        }
    }
}
