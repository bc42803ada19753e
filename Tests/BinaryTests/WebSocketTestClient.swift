import Foundation
import MistData

/// A small WebSocket client (RFC 6455) over `TCPTestClient`, written here so the server's
/// handshake and framing meet a peer it does not share code with: masked frames out, whole
/// messages in (text or binary), pings and closes seen as messages.
final class WebSocketTestClient {
    enum Message {
        case text(String)
        case binary([UInt8])
        case close([UInt8])
        case other(UInt8, [UInt8])
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let tcp: TCPTestClient
    private var buffer: [UInt8] = []
    /// The 101 response's head.
    let response: String

    init(port: Int, path: String) throws {
        tcp = try TCPTestClient(port: UInt16(port))
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        try tcp.write(
            Array(
                ("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
        let deadline = Date().addingTimeInterval(10)
        var end: Int?
        while end == nil {
            guard Date() < deadline else { throw Failure(description: "no handshake answer") }
            let bytes = try tcp.read(timeoutSeconds: 10)
            guard !bytes.isEmpty else { throw Failure(description: "closed during the handshake") }
            buffer += bytes
            end = Self.find([13, 10, 13, 10], in: buffer)
        }
        response = String(decoding: buffer[..<end!], as: UTF8.self)
        buffer.removeFirst(end! + 4)
        guard response.hasPrefix("HTTP/1.1 101 ") else { throw Failure(description: "refused: \(response)") }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    func send(text: String) throws { try send(opcode: 1, Array(text.utf8)) }

    func send(json: JSONValue) throws { try send(text: JSONWriter.compact(json)) }

    /// A masked frame, or an unmasked one to see the server refuse it.
    func send(opcode: UInt8, _ payload: [UInt8], masked: Bool = true) throws {
        var frame: [UInt8] = [0x80 | opcode]
        let mask: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            frame.append(mask | UInt8(payload.count))
        } else {
            frame += [mask | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        if masked {
            let key = (0..<4).map { _ in UInt8.random(in: 0...255) }
            frame += key + payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        } else {
            frame += payload
        }
        try tcp.write(frame)
    }

    /// The next message, or nil when none arrives within `seconds` or the server closed.
    func next(seconds: Double = 10) throws -> Message? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let message = parse() { return message }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return nil }
            let bytes = try tcp.read(timeoutSeconds: max(1, Int(left.rounded(.up))))
            if bytes.isEmpty && deadline.timeIntervalSinceNow > 0 { return nil }
            buffer += bytes
        }
    }

    /// The next text message parsed as JSON whose `type` is `type`, skipping others (binary
    /// messages go to `binary`).
    func next(type: String, seconds: Double = 10, binary: ([UInt8]) -> Void = { _ in }) throws -> JSONValue? {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 {
            switch try next(seconds: deadline.timeIntervalSinceNow) {
            case .text(let text):
                let value = try JSONParser.parse(text)
                if value["type"].asString == type { return value }
            case .binary(let bytes): binary(bytes)
            case .none, .close: return nil
            case .other: continue
            }
        }
        return nil
    }

    private func parse() -> Message? {
        guard buffer.count >= 2 else { return nil }
        let opcode = buffer[0] & 0x0F
        var length = Int(buffer[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard buffer.count >= 4 else { return nil }
            length = Int(buffer[2]) << 8 | Int(buffer[3])
            offset = 4
        } else if length == 127 {
            guard buffer.count >= 10 else { return nil }
            length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        guard buffer.count >= offset + length else { return nil }
        let payload = Array(buffer[offset..<(offset + length)])
        buffer.removeFirst(offset + length)
        switch opcode {
        case 1: return .text(String(decoding: payload, as: UTF8.self))
        case 2: return .binary(payload)
        case 8: return .close(payload)
        default: return .other(opcode, payload)
        }
    }

    func close() { tcp.close() }
}
