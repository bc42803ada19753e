import Foundation
import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// A keep-alive HTTP/1.1 client for the API: one TCP connection, one request at a time.
final class HTTPTestClient {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as JSON (the API ends it with two newlines).
        func json() throws -> JSONValue { try JSONParser.parse(body) }
    }

    let connection: TCPTestClient
    private var pending: [UInt8] = []

    init(port: Int) throws {
        connection = try TCPTestClient(port: UInt16(port))
    }

    /// `GET /api?command=<json>`.
    func call(_ command: String, path: String = "/api", headers: [String: String] = [:]) throws -> Response {
        try get(
            path + "?command=" + (command.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
            headers: headers)
    }

    func get(_ target: String, headers: [String: String] = [:]) throws -> Response {
        try request("GET \(target) HTTP/1.1\r\nHost: localhost\r\n" + headerLines(headers) + "\r\n")
    }

    /// `HEAD`: the response head only (its Content-Length describes a body that is not sent).
    func head(_ target: String, headers: [String: String] = [:]) throws -> Response {
        try request("HEAD \(target) HTTP/1.1\r\nHost: localhost\r\n" + headerLines(headers) + "\r\n", bodyless: true)
    }

    func post(_ target: String, body: String, contentType: String, headers: [String: String] = [:]) throws -> Response {
        try request(
            "POST \(target) HTTP/1.1\r\nHost: localhost\r\nContent-Type: \(contentType)\r\n"
                + "Content-Length: \(body.utf8.count)\r\n" + headerLines(headers) + "\r\n" + body)
    }

    private func headerLines(_ headers: [String: String]) -> String {
        headers.map { "\($0.key): \($0.value)\r\n" }.joined()
    }

    /// Sends `text` as a request as it is and reads the answer.
    func request(_ text: String, bodyless: Bool = false) throws -> Response {
        try connection.write(Array(text.utf8))
        let headerEnd: Int = try {
            while true {
                if let end = find([13, 10, 13, 10]) { return end }
                try fill()
            }
        }()
        let headText = String(decoding: pending[0..<headerEnd], as: UTF8.self)
        pending.removeFirst(headerEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = bodyless ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        while pending.count < length { try fill() }
        let body = Array(pending[0..<length])
        pending.removeFirst(length)
        return Response(status: statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0, headers: headers, body: body)
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard pending.count >= needle.count else { return nil }
        for index in 0...(pending.count - needle.count) where Array(pending[index..<(index + needle.count)]) == needle {
            return index
        }
        return nil
    }

    private func fill() throws {
        let chunk = try connection.read(timeoutSeconds: 20)
        guard !chunk.isEmpty else { throw POSIXError(.ECONNRESET) }
        pending += chunk
    }
}
