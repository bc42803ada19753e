/// The head of a frame this server sends (RFC 6455 §5.2): final, unmasked, of one opcode. A
/// message goes out as this head and its payload, so a payload shared with other viewers needs
/// no copy to be framed.
enum WebSocketFrameHeader {
    static let text: UInt8 = 0x1
    static let binary: UInt8 = 0x2
    static let close: UInt8 = 0x8
    static let ping: UInt8 = 0x9
    static let pong: UInt8 = 0xA

    /// The 2, 4 or 10 bytes that start a final frame of `opcode` and `length` payload bytes.
    static func bytes(opcode: UInt8, length: Int) -> [UInt8] {
        let first = 0x80 | (opcode & 0x0F)
        if length < 126 { return [first, UInt8(length)] }
        if length <= 0xFFFF { return [first, 126, UInt8(length >> 8), UInt8(length & 0xFF)] }
        let size = UInt64(length)
        return [first, 127] + (0..<8).map { UInt8(truncatingIfNeeded: size >> (56 - 8 * $0)) }
    }

    /// A whole frame of `payload`.
    static func frame(opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        bytes(opcode: opcode, length: payload.count) + payload
    }

    /// A close frame with RFC 6455's status `code` and a short reason.
    static func close(code: UInt16, reason: String = "") -> [UInt8] {
        frame(opcode: close, [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8.prefix(120)))
    }
}
