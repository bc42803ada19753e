/// The request line and headers of an HTTP/1.x request, parsed from bytes a client sent.
public struct HTTPRequestHead: Sendable, Equatable {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case tooLarge
        case malformed(String)

        public var description: String {
            switch self {
            case .tooLarge: return "request head too large"
            case .malformed(let what): return "malformed request: \(what)"
            }
        }
    }

    /// Larger heads are refused.
    public static let maximumSize = 64 * 1024

    public var method: String
    /// The request target as sent (path and query).
    public var target: String
    public var version: String
    /// Header names lower-cased, in the order sent.
    public var headers: [(name: String, value: String)]

    public init(method: String, target: String, version: String, headers: [(name: String, value: String)]) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    public static func == (lhs: HTTPRequestHead, rhs: HTTPRequestHead) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.version == rhs.version
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    /// The path part of the target.
    public var path: String { String(target.prefix { $0 != "?" }) }

    /// The query part of the target, without the `?`.
    public var query: String { target.contains("?") ? String(target.drop { $0 != "?" }.dropFirst()) : "" }

    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }

    /// Whether the connection stays open after the response.
    public var keepAlive: Bool {
        let connection = header("connection")?.lowercased() ?? ""
        return version == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive")
    }

    /// Parses a head from the start of `bytes`; nil while it is incomplete. Returns the head and
    /// the number of bytes it took (a body or the next request follows).
    public static func parse(_ bytes: [UInt8]) throws(Failure) -> (head: HTTPRequestHead, length: Int)? {
        guard let end = headEnd(bytes) else {
            if bytes.count > maximumSize { throw .tooLarge }
            return nil
        }
        guard end <= maximumSize else { throw .tooLarge }
        // Lines split on bytes: as Characters, "\r\n" is one grapheme and would not split on "\n".
        var lines = bytes[0..<end].split(separator: 10, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { throw .malformed("no request line") }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1."),
            parts[1].first == "/" || parts[1].first == "*"
                || parts[1].hasPrefix("http")
        else { throw .malformed("request line \(requestLine.prefix(100))") }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("header line \(line.prefix(100))") }
            let name = line[..<colon].lowercased()
            guard !name.isEmpty, !name.contains(" ") else { throw .malformed("header name") }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            headers.append((name, String(value.reversed().drop { $0 == " " || $0 == "\t" }.reversed())))
        }
        var target = String(parts[1])
        if target.hasPrefix("http://") || target.hasPrefix("https://") {
            // Absolute form: keep the path.
            let afterScheme = target.drop { $0 != "/" }.dropFirst(2)
            target = String(afterScheme.drop { $0 != "/" })
            if target.isEmpty { target = "/" }
        }
        return (
            HTTPRequestHead(method: String(parts[0]), target: target, version: String(parts[2]), headers: headers),
            end + (bytes[end] == 13 ? 4 : 2)
        )
    }

    /// Index of the blank line ending the head (`\r\n\r\n` or `\n\n`).
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 10 && bytes[index + 1] == 10 { return index }
            if index + 3 < bytes.count && bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13
                && bytes[index + 3] == 10
            {
                return index
            }
            index += 1
        }
        return nil
    }
}
