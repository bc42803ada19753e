import MistCore
import MistData
import MistNet
import MistStream

/// MistOutHTTP's own pages: stream info (`/json_<stream>.js`, `/info_<stream>.js`), the player
/// (`/player.js`, `/embed_<stream>.js`, `/<stream>.html`) and `/crossdomain.xml`.
extension HTTPSession {
    struct Page {
        var status = "200 OK"
        var contentType: String
        var body: [UInt8]
    }

    /// The address the pages' URLs start with: this server's as the request names it, or the
    /// public base URL a proxy gives in X-Mst-Path.
    func pageBaseURL(_ head: HTTPRequestHead) -> String {
        let scheme = connection.isSecure ? "https" : "http"
        var base = head.header("x-mst-path") ?? "\(scheme)://\(head.header("host") ?? "localhost")/"
        if !base.hasSuffix("/") { base += "/" }
        return base
    }

    /// The page at `path`, or nil when it is not one of these.
    func page(_ path: String, head: HTTPRequestHead) throws -> Page? {
        let base = pageBaseURL(head)
        if (path.hasPrefix("/json_") || path.hasPrefix("/info_")) && path.hasSuffix(".js") && path.count > 9 {
            let stream = StreamName.sanitize(String(path.dropFirst(6).dropLast(3)))
            let object = StreamInfo.json(stream: stream, baseURL: base, token: token, logger: logger)
            if !object.hasMember("error") { countStreamInfo(stream, head: head) }
            let info = JSONWriter.compact(object)
            if path.hasPrefix("/json_") { return Page(contentType: "application/json", body: Array(info.utf8)) }
            // info_ wraps the object in script that stores it for the embeddable player.
            // MistServer's lines; the name is a string literal, never raw script (its wildcard
            // part is free-form), and the comment keeps only characters that cannot end it.
            let plain = String(stream.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "+_.-".contains($0)) })
            let script =
                "// Generating info code for stream \(plain)\nif (!mistvideo) { var mistvideo = {}; }\n"
                + "mistvideo[\(TextEscaping.javaScript(stream, quote: "'"))] = \(info);\n"
            return Page(contentType: "application/javascript", body: Array(script.utf8))
        }
        let host = String(base.dropLast())
        if path == "/player.js" {
            return Page(
                contentType: "application/javascript; charset=utf-8", body: Array(PlayerScript.source(host: host).utf8))
        }
        if path.hasPrefix("/embed_") && path.hasSuffix(".js") && path.count > 10 {
            let stream = StreamName.sanitize(String(path.dropFirst(7).dropLast(3)))
            return Page(
                contentType: "application/javascript; charset=utf-8",
                body: Array(PlayerScript.embed(stream: stream, host: host).utf8))
        }
        if path.hasSuffix(".html") && path.hasPrefix("/") && path.count > 6 && !path.dropFirst().contains("/") {
            let stream = StreamName.sanitize(String(path.dropFirst().dropLast(5)))
            return Page(contentType: "text/html", body: Array(playerPage(stream).utf8))
        }
        if path.hasPrefix(ACMEChallenges.prefix) {
            let token = String(path.dropFirst(ACMEChallenges.prefix.count))
            if let validation = ACMEChallenges.shared.validation(for: token) {
                logger.mist(.info, "Answered the ACME challenge for token \(token)")
                return Page(contentType: "text/plain", body: Array(validation.utf8))
            }
            return Page(
                status: "404 Not Found", contentType: "text/plain",
                body: Array("No matching validation found for token '\(token)'".utf8))
        }
        if path == "/crossdomain.xml" {
            let policy =
                "<?xml version=\"1.0\"?><!DOCTYPE cross-domain-policy SYSTEM "
                + "\"http://www.adobe.com/xml/dtds/cross-domain-policy.dtd\"><cross-domain-policy>"
                + "<allow-access-from domain=\"*\" /><site-control permitted-cross-domain-policies=\"all\"/>"
                + "</cross-domain-policy>"
            return Page(contentType: "text/xml", body: Array(policy.utf8))
        }
        return nil
    }

    /// A stream-info request as a short connection of connector `HTTP` in the statistics, of
    /// the kind `sessionStreamInfoMode` makes it; with the player's token, its later media
    /// requests join the same session (unless the mode bundles by connector).
    private func countStreamInfo(_ stream: String, head: HTTPRequestHead) {
        guard let kind = ConnectionStats.streamInfoKind else { return }
        let url = "http://\(head.header("host") ?? "localhost")\(head.target)"
        ConnectionStats.close(
            ConnectionStats.open(
                connection, kind: kind, stream: stream, host: peerHost, connector: "HTTP", token: token, url: url,
                userAgent: userAgent))
    }

    /// A page that plays `stream` full-window, with plain links when scripts are off. The name
    /// goes in as HTML text, as URL path segments and as a script string, escaped for each.
    private func playerPage(_ stream: String) -> String {
        let segment = TextEscaping.urlPathSegment(stream)
        let hls = TextEscaping.html("/hls/\(segment)/index.m3u8")
        let mp4 = TextEscaping.html("/\(segment).mp4")
        let text = TextEscaping.html(stream)
        let literal = TextEscaping.javaScript(stream)
        return "<!DOCTYPE html><html><head><title>\(text)</title>"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<style>html,body{margin:0;height:100%;background:#0f0f0f;color:white}"
            + "body>div{width:100%;height:100%}video{width:100%;height:100%}</style></head><body>"
            + "<div class=\"mistvideo\" id=\"\(text)\"><noscript><video controls autoplay>"
            + "<source src=\"\(hls)\" type=\"application/vnd.apple.mpegurl\"><source src=\"\(mp4)\" type=\"video/mp4\">"
            + "<a href=\"\(hls)\">Play over HLS</a> <a href=\"\(mp4)\">Play as MP4</a></video></noscript>"
            + "<script src=\"player.js\"></script><script>mistPlay(\(literal),{target:document.getElementById(\(literal))});"
            + "</script></div></body></html>"
    }
}
