import Foundation
import MistRTP
import Testing

/// SDP read and written back byte for byte (an RTSP camera's description), its payload formats
/// and parameters looked up, and malformed or oversized documents refused with a reason.
@Suite struct SessionDescriptionTests {
    static let camera =
        "v=0\r\no=- 1700000000 1 IN IP4 192.0.2.10\r\ns=Camera\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
        + "a=control:*\r\na=range:npt=0-\r\n"
        + "m=video 0 RTP/AVP 96\r\nb=AS:4000\r\na=rtpmap:96 H264/90000\r\n"
        + "a=fmtp:96 packetization-mode=1; profile-level-id=640028; sprop-parameter-sets=Z2QAKKzZQHgCJ+XAWoCAgKAAAAMAIAAAB5HjBjLA,aOvjyyLA\r\n"
        + "a=control:trackID=1\r\na=recvonly\r\n"
        + "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
        + "a=fmtp:97 streamtype=5; profile-level-id=15; mode=AAC-hbr; config=1190; SizeLength=13; IndexLength=3; IndexDeltaLength=3\r\n"
        + "a=control:trackID=2\r\n"

    @Test func aCamerasDescriptionReadsAndWritesBack() throws {
        let description = try SessionDescription(parsing: Self.camera)
        #expect(description.text == Self.camera)
        #expect(description.attribute("control") == "*")
        #expect(description.lines.map(\.type) == ["v", "o", "s", "c", "t"])
        #expect(description.media.count == 2)
        let video = description.media[0]
        #expect(video.kind == "video" && video.port == 0 && video.transport == "RTP/AVP" && video.formats == ["96"])
        #expect(video.rtpmap("96")?.encoding == "H264" && video.rtpmap("96")?.clockRate == 90000)
        #expect(video.fmtp("96")["packetization-mode"] == "1")
        #expect(video.fmtp("96")["sprop-parameter-sets"]?.hasPrefix("Z2QAKK") == true)
        #expect(video.attribute("control") == "trackID=1")
        #expect(video.attributes.contains { $0.name == "recvonly" && $0.value == nil })
        let audio = description.media[1]
        #expect(
            audio.rtpmap("97").map { "\($0.encoding)/\($0.clockRate)/\($0.channels ?? 0)" } == "MPEG4-GENERIC/48000/2")
        #expect(audio.fmtp("97")["sizelength"] == "13" && audio.fmtp("97")["config"] == "1190")
        // LF-only lines read the same.
        let unix = Self.camera.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(try SessionDescription(parsing: unix) == description)
    }

    @Test func aBuiltDescriptionWritesItsLinesInOrder() {
        var media = SessionDescription.Media(kind: "video", port: 0, transport: "RTP/AVP", formats: ["96"])
        media.attributes = [("rtpmap", "96 H264/90000"), ("control", "track1")]
        let description = SessionDescription(
            lines: [("v", "0"), ("o", "- 0 0 IN IP4 127.0.0.1"), ("s", "live"), ("t", "0 0")],
            attributes: [("control", "*")], media: [media])
        #expect(
            description.text
                == "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=live\r\nt=0 0\r\na=control:*\r\n"
                + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n")
    }

    @Test func brokenDescriptionsAreRefusedWithAReason() {
        #expect(throws: SDPError.self) { try SessionDescription(parsing: "") }
        #expect(throws: SDPError.badLine(1, "the first line must be v=0")) {
            try SessionDescription(parsing: "s=x\r\n")
        }
        #expect(throws: SDPError.self) { try SessionDescription(parsing: "v=0\r\nnot a line\r\n") }
        #expect(throws: SDPError.self) { try SessionDescription(parsing: "v=0\r\nm=video\r\n") }
        #expect(throws: SDPError.self) { try SessionDescription(parsing: "v=0\r\nm=video 99999 RTP/AVP 96\r\n") }
        #expect(throws: SDPError.tooLarge(70_000)) {
            try SessionDescription(parsing: "v=0\r\n" + String(repeating: "a", count: 70_000 - 5))
        }
        #expect(throws: SDPError.tooManyLines) {
            try SessionDescription(parsing: "v=0\r\n" + String(repeating: "a=x\r\n", count: 3000))
        }
    }
}
