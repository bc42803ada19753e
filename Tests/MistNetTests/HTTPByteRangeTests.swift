import MistNet
import Testing

@Suite struct HTTPByteRangeTests {
    @Test func rangesResolveAgainstTheBodyLength() {
        #expect(HTTPByteRange(header: nil, length: 100) == .whole)
        #expect(HTTPByteRange(header: "bytes=0-9", length: 100) == .partial(0...9))
        #expect(HTTPByteRange(header: "bytes=90-", length: 100) == .partial(90...99))
        #expect(HTTPByteRange(header: "bytes=90-500", length: 100) == .partial(90...99))
        #expect(HTTPByteRange(header: "bytes=-10", length: 100) == .partial(90...99))
        #expect(HTTPByteRange(header: "bytes=-500", length: 100) == .partial(0...99))
        #expect(HTTPByteRange(header: "bytes= 5-6 ", length: 100) == .partial(5...6))
    }

    @Test func unusableRangesFallBackOrAreRefused() {
        #expect(HTTPByteRange(header: "bytes=100-", length: 100) == .unsatisfiable)
        #expect(HTTPByteRange(header: "bytes=-0", length: 100) == .unsatisfiable)
        #expect(HTTPByteRange(header: "bytes=0-", length: 0) == .unsatisfiable)
        // Malformed or several ranges: the whole body, as servers may answer.
        for header in ["items=0-5", "bytes=5", "bytes=9-3", "bytes=a-b", "bytes=0-1,5-6", "bytes=-", "bytes=-x"] {
            #expect(HTTPByteRange(header: header, length: 100) == .whole, "\(header)")
        }
        #expect(HTTPByteRange(header: "bytes=99999999999999999999-", length: 100) == .whole)
    }
}
