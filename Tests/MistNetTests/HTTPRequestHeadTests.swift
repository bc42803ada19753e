import Testing

@testable import MistNet

@Suite struct HTTPRequestHeadTests {
    @Test func parsesRequestLineHeadersAndLength() throws {
        let text =
            "GET /live.ts?video=1 HTTP/1.1\r\nHost: example\r\nRange:  bytes=0- \r\nConnection: close\r\n\r\nNEXT"
        let (head, length) = try #require(try HTTPRequestHead.parse(Array(text.utf8)))
        #expect(head.method == "GET" && head.path == "/live.ts" && head.query == "video=1")
        #expect(head.header("RANGE") == "bytes=0-")
        #expect(head.headers.map(\.name) == ["host", "range", "connection"])
        #expect(!head.keepAlive)
        #expect(length == text.utf8.count - 4)
        // Bare newlines, HTTP/1.0 keep-alive, absolute targets.
        let old = try #require(
            try HTTPRequestHead.parse(Array("GET http://host:8080/a?b HTTP/1.0\nConnection: Keep-Alive\n\n".utf8)))
        #expect(old.head.target == "/a?b" && old.head.keepAlive)
        #expect(try HTTPRequestHead.parse(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)) == nil)  // not complete
    }

    @Test(arguments: [
        "GARBAGE\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/1.1\r\nno colon\r\n\r\n", "GET nope HTTP/1.1\r\n\r\n",
    ])
    func malformedHeadsAreRefused(text: String) {
        #expect(throws: HTTPRequestHead.Failure.self) { try HTTPRequestHead.parse(Array(text.utf8)) }
    }

    @Test func oversizedHeadsAreRefused() {
        let long = Array("GET / HTTP/1.1\r\nX: ".utf8) + [UInt8](repeating: 0x41, count: 70_000)
        #expect(throws: HTTPRequestHead.Failure.tooLarge) { try HTTPRequestHead.parse(long) }
    }
}
