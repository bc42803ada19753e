/// Cuts an RTSP connection's bytes into requests and interleaved frames, as they arrive in any
/// pieces. Heads are scanned once (only new bytes are searched for their end) and bounded, as
/// are bodies; a byte that starts neither a request nor a frame is an error.
public struct RTSPFramer: Sendable {
    public static let maximumHead = 64 * 1024
    public static let maximumBody = 64 * 1024

    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the head's end resumes.
    private var scanned = 0

    public init() {}

    /// Bytes waiting to be read.
    public var pending: Int { buffer.count - start }

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            scanned = max(0, scanned - start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete item, or nil until more bytes arrive.
    public mutating func next() throws(RTSPError) -> RTSPItem? {
        guard start < buffer.count else { return nil }
        if buffer[start] == 0x24 {  // "$"
            guard buffer.count - start >= 4 else { return nil }
            let length = Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
            guard buffer.count - start >= 4 + length else { return nil }
            let item = RTSPItem.interleaved(
                channel: buffer[start + 1], payload: Array(buffer[(start + 4)..<(start + 4 + length)]))
            start += 4 + length
            scanned = start
            return item
        }
        guard buffer[start] >= 0x41 && buffer[start] <= 0x5A else {
            throw .malformed("byte \(buffer[start]) starts neither a request nor an interleaved frame")
        }
        var index = max(scanned, start)
        var end: Int?
        while index + 3 < buffer.count {
            if buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
                end = index
                break
            }
            index += 1
        }
        guard let end else {
            scanned = max(start, buffer.count - 3)
            if buffer.count - start > Self.maximumHead { throw .headTooLarge(Self.maximumHead) }
            return nil
        }
        guard end - start <= Self.maximumHead else { throw .headTooLarge(Self.maximumHead) }
        let head = String(decoding: buffer[start..<end], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let firstLine = lines.removeFirst()
        let requestLine = firstLine.split(separator: " ", omittingEmptySubsequences: true)
        // A status line: `RTSP/1.0 200 OK` (the reason may have spaces, or be missing).
        let status: (Int, String)? =
            requestLine.first?.hasPrefix("RTSP/") == true && requestLine.count >= 2
            ? Int(requestLine[1]).flatMap {
                (100...999).contains($0) ? ($0, requestLine.dropFirst(2).joined(separator: " ")) : nil
            }
            : nil
        guard status != nil || (requestLine.count == 3 && requestLine[2].hasPrefix("RTSP/")) else {
            throw .malformed("request line \(String(requestLine.joined(separator: " ").prefix(80)))")
        }
        var headers: [RTSPHeader] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("header \(line.prefix(80))") }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            headers.append(RTSPHeader(String(line[..<colon]), String(value)))
            guard headers.count <= 100 else { throw .malformed("over 100 headers") }
        }
        let lengthText = headers.first { $0.name.lowercased() == "content-length" }?.value ?? "0"
        guard let length = Int(lengthText.prefix { $0 != " " }), length >= 0 else {
            throw .malformed("Content-Length \(lengthText.prefix(20))")
        }
        guard length <= Self.maximumBody else { throw .bodyTooLarge(length) }
        let bodyStart = end + 4
        guard buffer.count - bodyStart >= length else {
            scanned = end
            return nil
        }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        start = bodyStart + length
        scanned = start
        if let status {
            return .response(RTSPResponse(status: status.0, reason: status.1, headers: headers, body: body))
        }
        return .request(
            RTSPRequest(method: String(requestLine[0]), url: String(requestLine[1]), headers: headers, body: body))
    }

    /// An RTSP response's bytes: status line, `CSeq`, the headers, and the body with its length.
    public static func response(
        _ status: String, cseq: String?, headers: [RTSPHeader] = [], body: [UInt8] = []
    ) -> [UInt8] {
        var text = "RTSP/1.0 \(status)\r\n"
        if let cseq { text += "CSeq: \(cseq)\r\n" }
        for header in headers { text += "\(header.name): \(header.value)\r\n" }
        if !body.isEmpty { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        return Array(text.utf8) + body
    }

    /// An interleaved frame's bytes.
    public static func interleaved(channel: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0x24, channel, UInt8(truncatingIfNeeded: payload.count >> 8), UInt8(truncatingIfNeeded: payload.count)]
            + payload
    }
}
