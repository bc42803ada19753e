import MistNet
import Testing

/// Multipart bodies as a Livepeer broadcaster sends them, and bodies that break the format.
@Suite struct MultipartReaderTests {
    static let body = Array(
        ("preamble\r\n--b0\r\nContent-Type: video/MP2T; name=\"P144_3.ts\"\r\nContent-Length: 4\r\n"
            + "Rendition-Name: P144\r\n\r\nG\u{0}\r\n\r\n--b0\r\nContent-Type: video/mp2t\r\nRendition-Name:P360\r\n\r\n"
            + "xy\r\n--b0--\r\nepilogue").utf8)

    @Test func boundaryComesQuotedOrNot() throws {
        #expect(try MultipartReader.boundary(contentType: "multipart/mixed; boundary=b0") == "b0")
        #expect(try MultipartReader.boundary(contentType: "multipart/mixed;charset=x; Boundary=\"a b\"") == "a b")
        #expect(throws: MultipartReader.Failure.self) { try MultipartReader.boundary(contentType: "multipart/mixed") }
        #expect(throws: MultipartReader.Failure.self) {
            try MultipartReader.boundary(contentType: "multipart/mixed; boundary=\"\"")
        }
    }

    @Test func partsKeepTheirHeadersAndExactBytes() throws {
        let parts = try MultipartReader.parts(Self.body, boundary: "b0")
        #expect(parts.count == 2)
        #expect(parts[0].headers["rendition-name"] == "P144" && parts[0].headers["content-length"] == "4")
        #expect(parts[0].headers["content-type"] == "video/MP2T; name=\"P144_3.ts\"")
        // A body may itself end in a line break: only the one before the delimiter goes.
        #expect(Array(parts[0].body) == [0x47, 0, 13, 10])
        #expect(parts[1].headers["rendition-name"] == "P360" && Array(parts[1].body) == Array("xy".utf8))
    }

    @Test func aBodyThatOpensWithItsBoundaryAndPartsWithoutHeaders() throws {
        let parts = try MultipartReader.parts(Array("--x\r\n\r\nabc\r\n--x--".utf8), boundary: "x")
        #expect(parts.count == 1 && parts[0].headers.isEmpty && Array(parts[0].body) == Array("abc".utf8))
    }

    /// The fuzzer's find: a blank line that is also the start of the next delimiter.
    @Test func headersEndingAtTheNextDelimiterMakeAnEmptyPart() throws {
        for text in ["--b0\r\n\r\n--b0--", "--b0\r\nX: y\r\n\r\n--b0--", "--b0\r\nX: y\r\n\r\n--b0\r\n\r\n\r\n--b0--"] {
            let parts = try MultipartReader.parts(Array(text.utf8), boundary: "b0")
            #expect(!parts.isEmpty && parts.allSatisfy { $0.body.isEmpty }, "\(text)")
        }
    }

    @Test func brokenBodiesThrow() {
        let broken = [
            "", "no boundary at all", "--b0", "--b0\r\nContent-Type: a\r\n\r\nunterminated",
            "--b0\r\nheaders without end\r\n--b0--",
        ]
        for text in broken {
            #expect(throws: MultipartReader.Failure.self, "\(text)") {
                try MultipartReader.parts(Array(text.utf8), boundary: "b0")
            }
        }
        let many = Array((String(repeating: "--b0\r\n\r\nx\r\n", count: 10) + "--b0--").utf8)
        #expect(throws: MultipartReader.Failure.tooManyParts(4)) {
            try MultipartReader.parts(many, boundary: "b0", maximumParts: 4)
        }
        #expect((try? MultipartReader.parts(many, boundary: "b0"))?.count == 10)
    }
}
