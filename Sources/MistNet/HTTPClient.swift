/// A small blocking HTTP/1.1 client for pulling sources (HLS playlists and segments): GET with
/// redirects, bodies by Content-Length, chunked or until close, every size bounded.
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
        case unsupported(String)
        case malformed(String)
        case tooLarge(Int)
        case tooManyRedirects(String)

        public var description: String {
            switch self {
            case .badURL(let url): return "not an http:// URL: \(url)"
            case .unsupported(let what): return "not supported: \(what)"
            case .malformed(let what): return "malformed HTTP response: \(what)"
            case .tooLarge(let size): return "response larger than \(size) bytes"
            case .tooManyRedirects(let url): return "too many redirects from \(url)"
            }
        }
    }

    /// The parts of an http:// URL.
    public static func split(_ url: String) throws(Failure) -> (host: String, port: UInt16, target: String) {
        if url.hasPrefix("https://") { throw .unsupported("https (\(url))") }
        guard url.hasPrefix("http://") else { throw .badURL(url) }
        let rest = url.dropFirst(7)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var target = String(rest.dropFirst(authority.count))
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        var host = Substring(authority)
        var port: UInt16 = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = UInt16(authority[authority.index(after: colon)...]) else { throw .badURL(url) }
            port = parsed
            host = authority[..<colon]
        }
        host = host.trimmingPrefix("[")
        if host.hasSuffix("]") { host = host.dropLast() }
        guard !host.isEmpty else { throw .badURL(url) }
        return (String(host), port, target)
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
        let (host, port, target) = try split(url)
        let connection = try TCPConnection.connect(host: host, port: port, timeoutMilliseconds: timeoutMilliseconds)
        defer { connection.close() }
        let hostHeader = port == 80 ? host : "\(host):\(port)"
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(hostHeader)\r\n"
        if !extra.contains(where: { $0.0.lowercased() == "user-agent" }) { head += "User-Agent: MistSwift\r\n" }
        head += "Accept: */*\r\nConnection: close\r\n"
        for (name, value) in extra { head += "\(name): \(value)\r\n" }
        if method != "GET" || !requestBody.isEmpty { head += "Content-Length: \(requestBody.count)\r\n" }
        try connection.send(Array((head + "\r\n").utf8) + requestBody)
        var buffer: [UInt8] = []
        func more() throws -> Bool {
            let count = try? connection.receive(into: &buffer, timeoutMilliseconds: timeoutMilliseconds)
            guard let count else { return false }
            if count == 0 { throw NetworkError.timeout }
            return true
        }
        var headEnd: Int?
        while headEnd == nil {
            headEnd = findHeadEnd(buffer)
            if headEnd == nil {
                guard buffer.count < 64 * 1024 else { throw Failure.malformed("head over 64 KiB") }
                guard try more() else { throw Failure.malformed("connection closed before the head ended") }
            }
        }
        guard let end = headEnd else { throw Failure.malformed("no head") }
        let lines = buffer[0..<end].split(separator: 10).map {
            String(decoding: $0.last == 13 ? $0.dropLast() : $0, as: UTF8.self)
        }
        let statusParts = (lines.first ?? "").split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw Failure.malformed("status line \(lines.first?.prefix(80) ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        var rest = Array(buffer[(end + 4)...])
        buffer = []
        var body: [UInt8] = []
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            var index = 0
            while true {
                // A size line, then that many bytes and a line end.
                while !rest[index...].contains(10) {
                    guard rest.count - index < 1024 else { throw Failure.malformed("chunk size line") }
                    buffer = []
                    guard try more() else { throw Failure.malformed("closed inside a chunk") }
                    rest += buffer
                }
                guard let lineEnd = rest[index...].firstIndex(of: 10) else { throw Failure.malformed("chunk") }
                let sizeText = String(decoding: rest[index..<lineEnd], as: UTF8.self).prefix { $0.isHexDigit }
                guard let size = Int(sizeText, radix: 16) else { throw Failure.malformed("chunk size") }
                index = lineEnd + 1
                if size == 0 { break }
                guard body.count + size <= maximumBody else { throw Failure.tooLarge(maximumBody) }
                while rest.count - index < size + 2 {
                    buffer = []
                    guard try more() else { throw Failure.malformed("closed inside a chunk") }
                    rest += buffer
                }
                body += rest[index..<(index + size)]
                index += size + 2
                if index > 1 << 20 {
                    rest.removeFirst(index)
                    index = 0
                }
            }
        } else if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else { throw Failure.malformed("content-length") }
            guard length <= maximumBody else { throw Failure.tooLarge(maximumBody) }
            body = rest
            while body.count < length {
                buffer = []
                guard try more() else { throw Failure.malformed("closed after \(body.count) of \(length) bytes") }
                body += buffer
            }
            body = Array(body.prefix(length))
        } else {
            body = rest
            while true {
                buffer = []
                guard try more() else { break }
                body += buffer
                guard body.count <= maximumBody else { throw Failure.tooLarge(maximumBody) }
            }
        }
        return Response(status: status, headers: headers, body: body, url: url)
    }

    private static func findHeadEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
