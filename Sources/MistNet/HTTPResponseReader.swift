/// Reads one HTTP/1.1 response (status line, headers, a body by Content-Length, chunked or
/// until close) from bytes that `receive` appends, every size bounded: apart from the socket so
/// that hostile responses can be fed to it in tests and by the fuzzer.
public enum HTTPResponseReader {
    /// `receive` appends what arrived to its argument and says false once the peer closed.
    public static func read(url: String, maximumBody: Int, receive: (inout [UInt8]) throws -> Bool) throws
        -> HTTPClient.Response
    {
        var buffer: [UInt8] = []
        func more() throws -> Bool { try receive(&buffer) }
        var headEnd: Int?
        var scanned = 0
        while headEnd == nil {
            // Only the bytes that arrived since the last look (and the three before them) are new.
            headEnd = findHeadEnd(buffer, from: max(0, scanned - 3))
            scanned = buffer.count
            if headEnd == nil {
                guard buffer.count < 64 * 1024 else { throw HTTPClient.Failure.malformed("head over 64 KiB") }
                guard try more() else { throw HTTPClient.Failure.malformed("connection closed before the head ended") }
            }
        }
        guard let end = headEnd else { throw HTTPClient.Failure.malformed("no head") }
        let lines = buffer[0..<end].split(separator: 10).map {
            String(decoding: $0.last == 13 ? $0.dropLast() : $0, as: UTF8.self)
        }
        let statusParts = (lines.first ?? "").split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw HTTPClient.Failure.malformed("status line \(lines.first?.prefix(80) ?? "")")
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
                    guard rest.count - index < 1024 else { throw HTTPClient.Failure.malformed("chunk size line") }
                    buffer = []
                    guard try more() else { throw HTTPClient.Failure.malformed("closed inside a chunk") }
                    rest += buffer
                }
                guard let lineEnd = rest[index...].firstIndex(of: 10) else {
                    throw HTTPClient.Failure.malformed("chunk")
                }
                let sizeText = String(decoding: rest[index..<lineEnd], as: UTF8.self).prefix { $0.isHexDigit }
                guard let size = Int(sizeText, radix: 16) else { throw HTTPClient.Failure.malformed("chunk size") }
                index = lineEnd + 1
                if size == 0 { break }
                // Compared without adding: a size near Int.max must not overflow.
                guard size <= maximumBody - body.count else { throw HTTPClient.Failure.tooLarge(maximumBody) }
                while rest.count - index < size + 2 {
                    buffer = []
                    guard try more() else { throw HTTPClient.Failure.malformed("closed inside a chunk") }
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
            guard let length = Int(lengthText), length >= 0 else {
                throw HTTPClient.Failure.malformed("content-length")
            }
            guard length <= maximumBody else { throw HTTPClient.Failure.tooLarge(maximumBody) }
            body = rest
            while body.count < length {
                buffer = []
                guard try more() else {
                    throw HTTPClient.Failure.malformed("closed after \(body.count) of \(length) bytes")
                }
                body += buffer
            }
            body = Array(body.prefix(length))
        } else {
            body = rest
            while true {
                buffer = []
                guard try more() else { break }
                body += buffer
                guard body.count <= maximumBody else { throw HTTPClient.Failure.tooLarge(maximumBody) }
            }
        }
        return HTTPClient.Response(status: status, headers: headers, body: body, url: url)
    }

    static func findHeadEnd(_ bytes: [UInt8], from start: Int = 0) -> Int? {
        guard bytes.count >= 4, start <= bytes.count - 4 else { return nil }
        for index in start...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
