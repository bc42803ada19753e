import MistRTP
import MistRTSP
import Testing

@Suite struct RTSPAuthorizationTests {
    @Test func digestWithQopMatchesRFC2617sExample() throws {
        var authorization = try #require(
            RTSPAuthorization(
                user: "Mufasa", password: "Circle Of Life",
                challenges: [
                    #"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#
                ]))
        let header = authorization.header(method: "GET", uri: "/dir/index.html", clientNonce: "0a4f113b")
        #expect(header.contains(#"response="6629fae49393a05397450978507c4ef1""#), "\(header)")
        #expect(header.contains("nc=00000001") && header.contains(#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#))
        // Each request counts up.
        #expect(authorization.header(method: "GET", uri: "/", clientNonce: "x").contains("nc=00000002"))
    }

    @Test func digestWithoutQopAndBasic() throws {
        var digest = try #require(
            RTSPAuthorization(
                user: "user", password: "pass",
                challenges: [#"Basic realm="cam""#, #"Digest realm="cam", nonce="abc""#]))
        // MD5(MD5("user:cam:pass"):abc:MD5("DESCRIBE:rtsp://h/s"))
        #expect(
            digest.header(method: "DESCRIBE", uri: "rtsp://h/s").contains(
                #"response="5d9ce433736944e27b456933aa47f780""#))
        var basic = try #require(RTSPAuthorization(user: "user", password: "pass", challenges: [#"Basic realm="x""#]))
        #expect(basic.header(method: "DESCRIBE", uri: "rtsp://h/s") == "Basic dXNlcjpwYXNz")
        #expect(RTSPAuthorization(user: "u", password: "p", challenges: ["Bearer x"]) == nil)
        #expect(RTSPAuthorization(user: "u", password: "p", challenges: [#"Digest realm="r""#]) == nil)
        #expect(
            RTSPAuthorization(
                user: "u", password: "p", challenges: [#"Digest realm="r", nonce="n", algorithm=SHA-256"#])
                == nil)
    }

    @Test func framerReadsResponsesBetweenMedia() throws {
        var framer = RTSPFramer()
        framer.append(
            Array(
                "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Basic realm=\"a\"\r\nWWW-Authenticate: Digest realm=\"a\", nonce=\"b\"\r\n\r\n"
                    .utf8))
        framer.append([0x24, 0, 0, 1, 7])
        framer.append(Array("RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Length: 2\r\n\r\nhi".utf8))
        guard case .response(let refused) = try framer.next() else { Issue.record("no response"); return }
        #expect(refused.status == 401 && refused.reason == "Unauthorized")
        #expect(refused.headers("www-authenticate").count == 2)
        #expect(try framer.next() == .interleaved(channel: 0, payload: [7]))
        guard case .response(let ok) = try framer.next() else { Issue.record("no response"); return }
        #expect(ok.status == 200 && ok.body == Array("hi".utf8) && ok.header("cseq") == "3")
        framer.append(Array("RTSP/1.0 abc nope\r\n\r\n".utf8))
        #expect(throws: RTSPError.self) { try framer.next() }
    }
}
