import Testing

@testable import MistControl

@Suite struct BrowserRequestTests {
    static func read(_ headers: [String: String], origins: Set<String> = [], hosts: Set<String> = []) -> BrowserRequest
    {
        BrowserRequest(header: { headers[$0] }, trustedOrigins: origins, trustedHosts: hosts)
    }

    @Test func originsAreComparedWithTheHostTheBrowserUsed() {
        #expect(!Self.read([:]).crossSite && !Self.read([:]).foreignHost)
        #expect(!Self.read(["host": "127.0.0.1:4242", "origin": "http://127.0.0.1:4242"]).crossSite)
        #expect(!Self.read(["host": "[::1]:4242", "origin": "http://[::1]:4242"]).crossSite)
        #expect(!Self.read(["host": "example.com", "origin": "HTTPS://Example.com:443"]).crossSite)
        #expect(Self.read(["host": "127.0.0.1:4242", "origin": "http://127.0.0.1:8080"]).crossSite)
        #expect(Self.read(["host": "127.0.0.1:4242", "origin": "null"]).crossSite)
        #expect(!Self.read(["host": "h:1", "origin": "https://a.example/"], origins: ["https://A.example"]).crossSite)
        #expect(Self.read(["host": "h:1", "sec-fetch-site": "same-site"]).crossSite)
        #expect(!Self.read(["host": "h:1", "sec-fetch-site": "none"]).crossSite)
        #expect(!Self.read(["host": "h:1", "referer": "http://h:1/ui/index.html?x"]).crossSite)
        #expect(Self.read(["host": "h:1", "referer": "http://user@other:1/"]).crossSite)
    }

    @Test func onlyAddressesLocalhostAndTrustedNamesAreThisServer() {
        for host in ["127.0.0.1:4242", "[::1]:4242", "::1", "localhost:4242", "a.localhost", "10.0.0.5"] {
            #expect(!Self.read(["host": host]).foreignHost, "\(host)")
        }
        #expect(Self.read(["host": "evil.example:4242"]).foreignHost)
        #expect(Self.read(["host": "127.0.0.1.evil.example"]).foreignHost)
        #expect(!Self.read(["host": "mist.example.com:4242"], hosts: ["Mist.Example.com"]).foreignHost)
    }
}
