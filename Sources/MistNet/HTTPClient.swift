/// A small blocking HTTP/1.1 client for pulling sources (HLS playlists and segments), trigger
/// handlers and the like: `http://` and `https://` (verified, see `TLSConnection`), GET
/// with redirects, bodies by Content-Length, chunked or until close, every size bounded, and
/// every connect, handshake and read bounded by the timeout.
public enum HTTPClient {
    public struct Response: Sendable {
        public var status: Int
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: [UInt8]
        /// The URL that answered (after redirects).
        public var url: String
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case badURL(String)
        case malformed(String)
        case tooLarge(Int)
        case tooManyRedirects(String)

        public var description: String {
            switch self {
            case .badURL(let url): return "not an http:// or https:// URL: \(url)"
            case .malformed(let what): return "malformed HTTP response: \(what)"
            case .tooLarge(let size): return "response larger than \(size) bytes"
            case .tooManyRedirects(let url): return "too many redirects from \(url)"
            }
        }
    }

    /// The parts of an http:// or https:// URL.
    public static func split(_ url: String) throws(Failure) -> (host: String, port: UInt16, target: String) {
        let parts = try parts(url)
        return (parts.host, parts.port, parts.target)
    }

    /// The parts of an http:// or https:// URL, and whether it is https.
    public static func parts(_ url: String) throws(Failure) -> (
        host: String, port: UInt16, target: String, secure: Bool
    ) {
        let secure = url.hasPrefix("https://")
        guard secure || url.hasPrefix("http://") else { throw .badURL(url) }
        let rest = url.dropFirst(secure ? 8 : 7)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var target = String(rest.dropFirst(authority.count))
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        var host = Substring(authority)
        var port: UInt16 = secure ? 443 : 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = UInt16(authority[authority.index(after: colon)...]) else { throw .badURL(url) }
            port = parsed
            host = authority[..<colon]
        }
        host = host.trimmingPrefix("[")
        if host.hasSuffix("]") { host = host.dropLast() }
        guard !host.isEmpty else { throw .badURL(url) }
        return (String(host), port, target, secure)
    }

    /// `reference` resolved against `base` (absolute URLs, host-relative and path-relative ones).
    public static func resolve(_ reference: String, against base: String) -> String {
        if reference.hasPrefix("http://") || reference.hasPrefix("https://") { return reference }
        let characters = Array(base)
        var schemeEnd = 0
        for index in 0..<max(0, characters.count - 2)
        where characters[index] == ":" && characters[index + 1] == "/" && characters[index + 2] == "/" {
            schemeEnd = index + 3
            break
        }
        let afterScheme = base.dropFirst(schemeEnd)
        let origin = String(base.prefix(schemeEnd)) + afterScheme.prefix { $0 != "/" && $0 != "?" }
        if reference.hasPrefix("/") { return origin + reference }
        let path = base.prefix { $0 != "?" }
        guard let slash = path.lastIndex(of: "/"), path.distance(from: path.startIndex, to: slash) >= origin.count
        else { return origin + "/" + reference }
        return String(path[...slash]) + reference
    }

    /// GETs `url`, following up to five redirects; bodies over `maximumBody` are refused.
    public static func get(_ url: String, timeoutMilliseconds: Int = 10_000, maximumBody: Int = 256 << 20) throws
        -> Response
    {
        var current = url
        for _ in 0..<6 {
            let response = try fetch(current, timeoutMilliseconds: timeoutMilliseconds, maximumBody: maximumBody)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.headers["location"]
            else { return response }
            current = resolve(location, against: current)
        }
        throw Failure.tooManyRedirects(url)
    }

    /// Any method with `headers` and a `body` (sent with its Content-Length), without redirects.
    public static func request(
        _ method: String, _ url: String, headers: [(String, String)], body: [UInt8], timeoutMilliseconds: Int = 10_000,
        maximumBody: Int = 256 << 20
    ) throws -> Response {
        try fetch(
            url, method: method, headers: headers, body: body, timeoutMilliseconds: timeoutMilliseconds,
            maximumBody: maximumBody)
    }

    private static func fetch(
        _ url: String, method: String = "GET", headers extra: [(String, String)] = [], body requestBody: [UInt8] = [],
        timeoutMilliseconds: Int, maximumBody: Int
    ) throws -> Response {
        let (host, port, target, secure) = try parts(url)
        let connection = try ClientConnections.connect(
            host: host, port: port, secure: secure, timeoutMilliseconds: timeoutMilliseconds)
        defer { connection.close() }
        let hostHeader = port == (secure ? 443 : 80) ? host : "\(host):\(port)"
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(hostHeader)\r\n"
        if !extra.contains(where: { $0.0.lowercased() == "user-agent" }) { head += "User-Agent: MistSwift\r\n" }
        if !extra.contains(where: { $0.0.lowercased() == "accept" }) { head += "Accept: */*\r\n" }
        head += "Connection: close\r\n"
        for (name, value) in extra { head += "\(name): \(value)\r\n" }
        if method != "GET" || !requestBody.isEmpty { head += "Content-Length: \(requestBody.count)\r\n" }
        try connection.send(Array((head + "\r\n").utf8) + requestBody, timeoutMilliseconds: timeoutMilliseconds)
        return try HTTPResponseReader.read(url: url, maximumBody: maximumBody) { buffer in
            let count = try? connection.receive(into: &buffer, timeoutMilliseconds: timeoutMilliseconds)
            guard let count else { return false }
            if count == 0 { throw NetworkError.timeout }
            return true
        }
    }
}
