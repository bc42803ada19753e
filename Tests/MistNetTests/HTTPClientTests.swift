import MistNet
import Testing

@Suite struct HTTPClientTests {
    @Test func urlsSplitAndResolve() throws {
        let parts = try HTTPClient.split("http://example.com:8080/a/b.m3u8?x=1")
        #expect(parts.host == "example.com" && parts.port == 8080 && parts.target == "/a/b.m3u8?x=1")
        #expect(try HTTPClient.split("http://[::1]/").host == "::1")
        #expect(try HTTPClient.split("http://host?q").target == "/?q")
        let secure = try HTTPClient.parts("https://secure/x")
        #expect(secure.secure && secure.port == 443 && secure.host == "secure" && secure.target == "/x")
        #expect(try HTTPClient.parts("https://[::1]:8443").port == 8443)
        #expect(throws: HTTPClient.Failure.self) { try HTTPClient.split("ftp://x/") }
        #expect(throws: HTTPClient.Failure.self) { try HTTPClient.split("http://host:99999/") }
        let base = "http://h:1/hls/live/index.m3u8?tkn=1"
        #expect(HTTPClient.resolve("0_1/index.m3u8", against: base) == "http://h:1/hls/live/0_1/index.m3u8")
        #expect(HTTPClient.resolve("/other.ts", against: base) == "http://h:1/other.ts")
        #expect(HTTPClient.resolve("http://x/y.ts", against: base) == "http://x/y.ts")
        #expect(HTTPClient.resolve("seg.ts", against: "http://h") == "http://h/seg.ts")
    }
}
