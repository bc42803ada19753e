import Foundation
import MistNet

/// One HTTP/1.1 request as the loopback stand-ins in the tests read it: the request line, the
/// headers (names lower-cased) and a body of Content-Length bytes.
struct TestHTTPRequest {
    var method: String
    var path: String
    var headers: [String: String]
    var body: [UInt8]

    /// Reads a request from `connection`; nil when it closes or stalls for ten seconds first.
    static func read(from connection: any ClientConnection) -> TestHTTPRequest? {
        var bytes: [UInt8] = []
        func more() -> Bool { ((try? connection.receive(into: &bytes, timeoutMilliseconds: 10_000)) ?? 0) > 0 }
        var end: Int?
        while end == nil {
            guard more() else { return nil }
            end = bytes.firstRange(of: [13, 10, 13, 10])?.lowerBound
        }
        guard let end else { return nil }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let words = lines.first?.split(separator: " ").map(String.init) ?? []
        guard words.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while bytes.count < end + 4 + length {
            guard more() else { return nil }
        }
        return TestHTTPRequest(
            method: words[0], path: words[1], headers: headers, body: Array(bytes[(end + 4)..<(end + 4 + length)]))
    }
}
