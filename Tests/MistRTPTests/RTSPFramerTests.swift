import MistData
import MistRTP
import Testing

/// RTSP's framing byte for byte: requests with and without bodies and interleaved frames, in
/// any pieces, responses as written, and the limits.
@Suite struct RTSPFramerTests {
    static let announce =
        "ANNOUNCE rtsp://127.0.0.1:5554/live?pass=x RTSP/1.0\r\nContent-Type: application/sdp\r\nCSeq: 2\r\n"
        + "Content-Length: 10\r\n\r\nv=0\r\ns=x\r\n"

    @Test func requestsAndFramesComeOutWholeFromAnyPieces() throws {
        let bytes =
            Array(Self.announce.utf8) + [0x24, 0, 0, 3, 0x80, 0x60, 0x01]
            + Array("OPTIONS * RTSP/1.0\r\nCSeq: 3\r\n\r\n".utf8)
        for piece in [1, 2, 7, 1000] {
            var framer = RTSPFramer()
            var items: [RTSPItem] = []
            var offset = 0
            while offset < bytes.count {
                framer.append(bytes[offset..<min(bytes.count, offset + piece)])
                offset += piece
                while let item = try framer.next() { items.append(item) }
            }
            #expect(items.count == 3, "pieces of \(piece)")
            guard items.count == 3, case .request(let announce) = items[0], case .request(let options) = items[2] else {
                continue
            }
            #expect(
                announce.method == "ANNOUNCE" && announce.header("cseq") == "2"
                    && announce.body == Array("v=0\r\ns=x\r\n".utf8))
            #expect(announce.path == "live")
            #expect(items[1] == .interleaved(channel: 0, payload: [0x80, 0x60, 0x01]))
            #expect(options.method == "OPTIONS" && options.url == "*" && options.header("CSEQ") == "3")
            #expect(framer.pending == 0)
        }
    }

    @Test func responsesAreWrittenAsRTSPExpects() {
        #expect(
            RTSPFramer.response("200 OK", cseq: "4", headers: [RTSPHeader("Session", "ab;timeout=60")])
                == Array("RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: ab;timeout=60\r\n\r\n".utf8))
        #expect(RTSPFramer.interleaved(channel: 2, [9, 9]) == [0x24, 2, 0, 2, 9, 9])
    }

    @Test func limitsAndGarbageAreTypedErrors() {
        var garbage = RTSPFramer()
        garbage.append([0x00, 0x01])
        #expect(throws: RTSPError.self) { try garbage.next() }
        var endless = RTSPFramer()
        endless.append(Array("OPTIONS * RTSP/1.0\r\n".utf8) + [UInt8](repeating: 0x41, count: 70_000))
        #expect(throws: RTSPError.headTooLarge(RTSPFramer.maximumHead)) { try endless.next() }
        var huge = RTSPFramer()
        huge.append(Array("ANNOUNCE x RTSP/1.0\r\nContent-Length: 9999999\r\n\r\n".utf8))
        #expect(throws: RTSPError.bodyTooLarge(9_999_999)) { try huge.next() }
        var negative = RTSPFramer()
        negative.append(Array("ANNOUNCE x RTSP/1.0\r\nContent-Length: -1\r\n\r\n".utf8))
        #expect(throws: RTSPError.self) { try negative.next() }
        var badLine = RTSPFramer()
        badLine.append(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(throws: RTSPError.self) { try badLine.next() }
    }

    @Test func base64OfParameterSets() {
        #expect(
            Base64.decode("Z0IAKpY1QPAET8s3AQEBAg==") == [
                0x67, 0x42, 0, 0x2A, 0x96, 0x35, 0x40, 0xF0, 0x04, 0x4F, 0xCB, 0x37, 1, 1, 1, 2,
            ])
        #expect(Base64.decode("aM4xsg") == [0x68, 0xCE, 0x31, 0xB2])
        #expect(Base64.decode("no spaces") == nil)
    }
}
