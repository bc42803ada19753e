import Foundation
import MistData
import Testing

/// The API against browsers: local callers skip the login (MistServer's rule) unless the request
/// is a browser's page of another origin (CSRF) or reached under a foreign name (DNS rebinding);
/// such pages may not change anything, logged in or not, unless their origin is trusted.
@Suite(.serialized) struct APIBrowserTests {
    static func encoded(_ json: String) -> String {
        json.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    @Test func crossSiteAndRebindingRequestsGetNoLocalTrustButScriptsAndTheUIDo() throws {
        let controller = try ControllerHarness(
            config: """
                {"account": {"admin": {"password": "5ebe2294ecd0e0f08eab7690d2a6ee69"}},
                 "config": {"protocols": [], "api_trusted_origins": ["https://admin.example.com"]},
                 "streams": {}}
                """)
        let port = controller.apiPort
        func add(_ name: String) -> String { #"{"addstream": {"\#(name)": {"source": "ts-exec:touch /tmp/never"}}}"# }

        // A page of another origin, by fetch (Origin), by a script tag (Sec-Fetch-Site, JSONP) and
        // by a link (Referer): the login challenge, nothing added.
        let viaFetch = try controller.client().call(add("byfetch"), headers: ["Origin": "http://evil.example"])
        #expect(try viaFetch.json()["authorize"]["status"] == "CHALL")
        let viaScript = try controller.client().get(
            "/api?callback=steal&command=" + Self.encoded(add("byscript")), headers: ["Sec-Fetch-Site": "cross-site"])
        #expect(viaScript.text.hasPrefix("steal(") && viaScript.text.contains("CHALL"))
        let viaLink = try controller.client().call(add("bylink"), headers: ["Referer": "http://evil.example/page.html"])
        #expect(try viaLink.json()["authorize"]["status"] == "CHALL")
        let nullOrigin = try controller.client().call(add("bynull"), headers: ["Origin": "null"])
        #expect(try nullOrigin.json()["authorize"]["status"] == "CHALL")
        // DNS rebinding: the page's own origin, under a name that is not this server's.
        let rebound = try controller.client().request(
            "GET /api?command=\(Self.encoded(add("byrebinding"))) HTTP/1.1\r\nHost: evil.example:\(port)\r\n"
                + "Origin: http://evil.example:\(port)\r\n\r\n")
        #expect(try rebound.json()["authorize"]["status"] == "CHALL")
        // A connection a local script authorised gives a later cross-site request no trust.
        let shared = try controller.client()
        #expect(try shared.call("{}").json()["authorize"]["local"] == true)
        let later = try shared.call(add("bysharedconnection"), headers: ["Origin": "http://evil.example"]).json()
        #expect(later["authorize"]["status"] == "CHALL")

        // Scripts and curl (no browser headers), the server's own page (same origin), a trusted
        // origin, and names of this machine keep the local bypass.
        #expect(try controller.call(add("bycurl"))["streams"]["bycurl"].isObject)
        let sameOrigin = try controller.client().call(
            add("bysameorigin"), headers: ["Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"])
        #expect(try sameOrigin.json()["streams"]["bysameorigin"].isObject)
        let trusted = try controller.client().call(add("bytrusted"), headers: ["Origin": "https://admin.example.com"])
        #expect(try trusted.json()["streams"]["bytrusted"].isObject)
        let byAddress = try controller.client().request(
            "GET /api?command=\(Self.encoded(add("byaddress"))) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
                + "Origin: http://127.0.0.1:\(port)\r\n\r\n")
        #expect(try byAddress.json()["streams"]["byaddress"].isObject)

        // MistServer's web interface served from this origin logs in the way it does: a form POST.
        let ui = try controller.client().post(
            "/api", body: "command=" + Self.encoded(#"{"authorize": {"username": "", "password": ""}}"#),
            contentType: "application/x-www-form-urlencoded", headers: ["Origin": "http://localhost"])
        #expect(try ui.json()["authorize"] == ["status": "OK", "local": true])

        // A caller of another origin that logs in may read, but not change anything.
        let remote = try controller.client()
        let origin = ["Origin": "http://elsewhere.example"]
        let challenge = try remote.call("{}", headers: origin).json()["authorize"]["challenge"].asString
        let answer = md5Hex(md5Hex("secret") + challenge)
        let login = try remote.call(
            #"{"authorize": {"username": "admin", "password": "\#(answer)"}, "streams": true}"#, headers: origin
        ).json()
        #expect(login["authorize"] == ["status": "OK"] && login["streams"]["bycurl"].isObject)
        let change = try remote.call(add("byloggedincrosssite") + "", headers: origin).json()
        #expect(change["error"].asString.contains("Refused from a page of another origin"))
        #expect(!change["streams"]["byloggedincrosssite"].isObject)

        let streams = Set(try controller.call(#"{"streams": true}"#)["streams"].objectValue?.keys ?? [])
        #expect(streams == ["bycurl", "bysameorigin", "bytrusted", "byaddress"])
        #expect(controller.log.contains("from a cross-site page"))
    }
}
