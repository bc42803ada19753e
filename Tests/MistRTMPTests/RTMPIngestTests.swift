import MistData
import MistMedia
import Testing

@testable import MistOutput
@testable import MistRTMP

@Suite struct RTMPIngestTests {
    static let sps = hex("6742c01eda0280bfe5c044000003000400000300c83c58ba80")
    static let pps = hex("68ce0fc8")
    static var avcC: [UInt8] {
        [1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, UInt8(sps.count)] + sps + [1, 0, UInt8(pps.count)] + pps
    }

    static func message(_ type: UInt8, _ time: UInt32, _ payload: [UInt8]) -> RTMPMessage {
        RTMPMessage(type: type, streamID: 1, timestamp: time, payload: payload)
    }

    /// Splits DTSC frames and reads each.
    static func frames(_ bytes: [UInt8]) throws -> [(kind: DTSCFrameKind, json: JSONValue)] {
        var result: [(DTSCFrameKind, JSONValue)] = []
        try bytes.withUnsafeBytes { raw in
            var iterator = DTSCFrameIterator(raw)
            while let packet = try iterator.next() { result.append((packet.kind, try packet.json())) }
        }
        return result
    }

    @Test func publisherMessagesBecomeATrackHeaderAndPackets() throws {
        var ingest = RTMPIngest()
        var out: [UInt8] = []
        let metadata = AMF0.encode([
            .string("@setDataFrame"), .string("onMetaData"),
            .ecmaArray([("width", .number(640)), ("videocodecid", .number(7)), ("audiocodecid", .number(10))]),
        ])
        out += try ingest.handle(Self.message(18, 0, metadata))
        out += try ingest.handle(Self.message(9, 0, [0x17, 0, 0, 0, 0] + Self.avcC))
        // A frame before the audio configuration waits for it.
        out += try ingest.handle(Self.message(9, 0, [0x17, 1, 0, 0, 80, 0, 0, 0, 1, 0x65]))
        #expect(out.isEmpty)
        out += try ingest.handle(Self.message(8, 0, [0xAF, 0, 0x11, 0x88]))
        out += try ingest.handle(Self.message(8, 21, [0xAF, 1, 0x21, 0x22]))
        out += try ingest.handle(Self.message(9, 40, [0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41]))
        let frames = try Self.frames(out)
        #expect(frames.map(\.kind) == [.header, .packetV2, .packetV2, .packetV2])
        let header = frames[0].json
        let tracks = header["tracks"].objectValue?.map(\.value) ?? []
        let video = try #require(tracks.first { $0["type"] == "video" })
        let audio = try #require(tracks.first { $0["type"] == "audio" })
        #expect(video["codec"] == "H264" && video["width"] == 640 && video["height"] == 360 && video["fpks"] == 25000)
        #expect(video["init"].bytesValue == Self.avcC)
        #expect(audio["codec"] == "AAC" && audio["rate"] == 48000 && audio["channels"] == 1)
        #expect(frames[1].json["offset"] == 80 && frames[1].json["keyframe"] == 1)
        #expect(frames[1].json["data"].bytesValue == [0, 0, 0, 1, 0x65])
        #expect(frames[2].json["time"] == 21 && frames[2].json["data"].bytesValue == [0x21, 0x22])
        #expect(frames[3].json["time"] == 40 && !frames[3].json.hasMember("keyframe"))
    }

    @Test func enhancedRTMPHEVCIsTaken() throws {
        var ingest = RTMPIngest()
        let hvcC = hex(
            "01" + String(repeating: "00", count: 20) + "0f03"
                + "a0000100184001 0c01ffff01600000030090000003000003003c959809"
                + "a10001002a 42010101600000030090000003000003003ca00a080f165959a4932bc05a020000030002000003003210"
                + "a2000100074401c172b46240")
        let metadata = AMF0.encode([.string("onMetaData"), .ecmaArray([("width", .number(320))])])
        _ = try ingest.handle(Self.message(18, 0, metadata))
        var out = try ingest.handle(Self.message(9, 0, [0x90] + Array("hvc1".utf8) + hvcC))
        out += try ingest.handle(Self.message(9, 0, [0x91] + Array("hvc1".utf8) + [0, 0, 0, 0, 0, 0, 1, 0x26]))
        let frames = try Self.frames(out)
        #expect(frames.map(\.kind) == [.header, .packetV2])
        let track = frames[0].json["tracks"].objectValue?.map(\.value).first ?? .null
        #expect(track["codec"] == "HEVC" && track["width"] == 320 && track["height"] == 240)
    }

    @Test func streamNamesFollowMistServer() {
        #expect(RTMPStreamName.publish("Live?key=abc").name == "live")
        #expect(RTMPStreamName.publish("live?key=abc").parameters.first?.value == "abc")
        #expect(RTMPStreamName.publish("cam/extra").name == "cam")
        #expect(RTMPStreamName.publish("live%2Bcam").name == "live+cam")
        #expect(RTMPStreamName.play("mp4:movie").name == "movie.mp4")
        #expect(RTMPStreamName.play("mp4:movie.mp4").name == "movie.mp4")
        #expect(RTMPStreamName.play("live").name == "live")
    }
}
