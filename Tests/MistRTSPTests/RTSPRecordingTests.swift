import MistData
import MistMedia
import MistRTP
import Testing

@testable import MistRTSP

/// A publisher's audio besides AAC-hbr, from its SDP to DTSC: static G.711 payload types with no
/// rtpmap, Opus with its OpusHead made up, and LATM with its AudioSpecificConfig pulled out.
@Suite struct RTSPRecordingTests {
    static func frames(_ bytes: [UInt8]) throws -> [(kind: DTSCFrameKind, json: JSONValue)] {
        var result: [(DTSCFrameKind, JSONValue)] = []
        try bytes.withUnsafeBytes { raw in
            var iterator = DTSCFrameIterator(raw)
            while let packet = try iterator.next() { result.append((packet.kind, try packet.json())) }
        }
        return result
    }

    static func recording(_ media: String) throws -> RTSPRecording {
        var recording = RTSPRecording(
            try SessionDescription(parsing: "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\n" + media))
        recording.channels = [0: 0]
        return recording
    }

    static func rtp(_ sequence: UInt16, _ timestamp: UInt32, _ payload: [UInt8], marker: Bool = true) -> [UInt8] {
        RTPPacket(
            marker: marker, payloadType: 0, sequenceNumber: sequence, timestamp: timestamp, ssrc: 9,
            payload: payload[...]
        ).bytes
    }

    /// Feeds packets 20 ms apart until the 1 s settling wait for a video track has passed.
    static func feed(_ recording: inout RTSPRecording, rate: UInt32, payload: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        for index in 0..<60 {
            out += try recording.receive(
                channel: 0, payload: rtp(UInt16(index), UInt32(index) * rate / 50, payload))
        }
        return out
    }

    @Test func staticMuLawNeedsNoRtpmap() throws {
        var recording = try Self.recording("m=audio 0 RTP/AVP 0\r\na=control:trackID=1\r\n")
        #expect(recording.tracks.count == 1 && recording.skipped.isEmpty)
        let frames = try Self.frames(try Self.feed(&recording, rate: 8000, payload: Array(repeating: 0xFF, count: 160)))
        let track = try #require(frames.first?.json["tracks"].objectValue?.map(\.value).first)
        #expect(track["codec"] == "ULAW" && track["rate"] == 8000 && track["channels"] == 1)
        let packets = frames.filter { $0.kind != .header }
        #expect(packets.count == 60)
        #expect(packets[50].json["time"] == 1000 && packets[50].json["data"].bytesValue?.count == 160)
    }

    @Test func opusGetsAnOpusHead() throws {
        var recording = try Self.recording(
            "m=audio 0 RTP/AVP 102\r\na=rtpmap:102 opus/48000/2\r\na=fmtp:102 sprop-stereo=1\r\n")
        let frames = try Self.frames(try Self.feed(&recording, rate: 48000, payload: [0xFC, 1, 2, 3]))
        let track = try #require(frames.first?.json["tracks"].objectValue?.map(\.value).first)
        #expect(track["codec"] == "opus" && track["rate"] == 48000 && track["channels"] == 2)
        #expect(try OpusHeader(opusHead: track["init"].bytesValue ?? []).channels == 2)
        #expect(frames.last?.json["time"] == 1180 && frames.last?.json["data"].bytesValue == [0xFC, 1, 2, 3])
    }

    @Test func latmBecomesAAC() throws {
        var recording = try Self.recording(
            "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MP4A-LATM/44100/2\r\n"
                + "a=fmtp:97 profile-level-id=41;cpresent=0;config=400024203fc0\r\n")
        let frames = try Self.frames(try Self.feed(&recording, rate: 44100, payload: [3, 0x21, 0x10, 0x04]))
        let track = try #require(frames.first?.json["tracks"].objectValue?.map(\.value).first)
        #expect(track["codec"] == "AAC" && track["rate"] == 44100 && track["channels"] == 2)
        #expect(track["init"].bytesValue == [0x12, 0x10])
        #expect(frames.last?.json["data"].bytesValue == [0x21, 0x10, 0x04])
        // In-band configs (cpresent=1) are not taken.
        let inBand = try Self.recording(
            "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MP4A-LATM/44100/2\r\na=fmtp:97 cpresent=1\r\n")
        #expect(inBand.tracks.isEmpty && inBand.skipped.count == 1)
    }
}
