import Testing

@testable import MistNet

/// Responses fed in pieces, as a socket would deliver them; hostile sizes are errors.
@Suite struct HTTPResponseReaderTests {
    static func read(_ text: String, pieces: Int = 7, maximumBody: Int = 1 << 20) throws -> HTTPClient.Response {
        var remaining = Array(text.utf8)
        return try HTTPResponseReader.read(url: "http://x/", maximumBody: maximumBody) { buffer in
            guard !remaining.isEmpty else { return false }
            buffer += remaining.prefix(pieces)
            remaining.removeFirst(min(pieces, remaining.count))
            return true
        }
    }

    @Test func bodiesByLengthChunksAndClose() throws {
        let sized = try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhelloEXTRA")
        #expect(sized.status == 200 && sized.body == Array("hello".utf8) && sized.headers["x-a"] == "b")
        let chunked = try Self.read(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n")
        #expect(String(decoding: chunked.body, as: UTF8.self) == "hello world")
        let closed = try Self.read("HTTP/1.0 404 Not Found\r\n\r\nnothing here")
        #expect(closed.status == 404 && closed.body == Array("nothing here".utf8))
    }

    @Test func hostileSizesAreErrors() {
        // A chunk size near Int.max used to overflow the size check and trap.
        for size in ["7fffffffffffffff", "ffffffffffffffff", "fffffffffffffffffffff", "100001"] {
            #expect(throws: HTTPClient.Failure.self, "\(size)") {
                try Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nabc")
            }
        }
        #expect(throws: HTTPClient.Failure.self) {
            try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nabc")
        }
        #expect(throws: HTTPClient.Failure.self) { try Self.read("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") }
        #expect(throws: HTTPClient.Failure.self) {
            try Self.read("HTTP/1.1 200 OK\r\n" + String(repeating: "X: y\r\n", count: 20_000))
        }
        #expect(throws: HTTPClient.Failure.self) { try Self.read("SSH-2.0-OpenSSH\r\n\r\n") }
        #expect(throws: HTTPClient.Failure.self) {
            try Self.read("HTTP/1.1 200 OK\r\n\r\n" + String(repeating: "z", count: 2000), maximumBody: 1000)
        }
    }
}
