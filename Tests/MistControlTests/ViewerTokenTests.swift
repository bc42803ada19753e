import Logging
import Testing

@testable import MistStream

/// Where a viewer's token comes from under each `tknMode`, and whose forwarded address counts.
@Suite struct ViewerTokenTests {
    @Test func tokensComeFromTheURLTheCookieOrTheBearerInMistServersOrder() {
        let cookie = "theme=dark; tkn=fromcookie; jwt=cookiejwt"
        #expect(ViewerSession.token(query: ["sid": "s", "sessId": "x"], generated: "g", mode: 15) == "s")
        #expect(ViewerSession.token(query: ["tkn": "t", "jwt": "j"], cookie: cookie, generated: "g", mode: 15) == "j")
        #expect(ViewerSession.token(query: [:], cookie: cookie, generated: "g", mode: 15) == "cookiejwt")
        #expect(ViewerSession.token(query: [:], cookie: "tkn=c", generated: "g", mode: 15) == "c")
        // Bit 1 off: the URL is not read; bit 2 off: the cookie is not.
        #expect(ViewerSession.token(query: ["tkn": "t"], cookie: "tkn=c", generated: "g", mode: 14) == "c")
        #expect(ViewerSession.token(query: [:], cookie: "tkn=c", generated: "g", mode: 13) == "g")
        #expect(
            ViewerSession.token(query: ["tkn": "t"], authorization: "Bearer abc.def", generated: "g", mode: 15)
                == "abc.def")
        // Nothing given: the connection's own token when tokens are written back, else none.
        #expect(ViewerSession.token(query: [:], generated: "g", mode: 4) == "g")
        #expect(ViewerSession.token(query: [:], generated: "g", mode: 3) == "")
        #expect(ViewerSession.cookieValues("a=1;b=2; a=3;junk; =x")["a"] == "1")
        #expect(ViewerSession.generatedToken() != ViewerSession.generatedToken())
    }

    @Test func onlyTrustedProxiesSpeakForTheirViewers() {
        let logger = Logger(label: "test")
        #expect(
            TrustedProxy.viewer(peer: "127.0.0.1", realIP: "198.51.100.2", forwardedFor: nil, logger: logger)
                == "198.51.100.2")
        #expect(
            TrustedProxy.viewer(peer: "::1", realIP: "x", forwardedFor: " 198.51.100.3 ,10.0.0.1", logger: logger)
                == "198.51.100.3")
        #expect(
            TrustedProxy.viewer(peer: "10.1.2.3", realIP: nil, forwardedFor: "198.51.100.4", logger: logger)
                == "10.1.2.3")
        #expect(TrustedProxy.viewer(peer: "127.0.0.1", realIP: nil, forwardedFor: nil, logger: logger) == "127.0.0.1")
    }
}
