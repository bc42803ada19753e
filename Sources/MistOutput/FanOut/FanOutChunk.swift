import NIOCore

/// A run of bytes a fan-out group muxed once and hands to every viewer: framed once for chunked
/// transfer, so chunked viewers write `framed` and the others `payload`, a slice of the same
/// storage. No viewer copies it.
final class FanOutChunk: Sendable {
    let sequence: Int
    /// Whether a viewer can start with this chunk (it begins at a keyframe with its tables).
    let joinable: Bool
    /// `<hex length>\r\n<payload>\r\n`.
    let framed: ByteBuffer
    let payload: ByteBuffer
    /// The head of a WebSocket binary message of `payload`, for viewers over WebSocket (MP4
    /// over WebSocket), who write it and then the shared payload.
    let webSocketHead: ByteBuffer

    init(sequence: Int, joinable: Bool, payload bytes: [UInt8]) {
        self.sequence = sequence
        self.joinable = joinable
        let prefix = Array(String(bytes.count, radix: 16).utf8) + [13, 10]
        var framed = ByteBufferAllocator().buffer(capacity: prefix.count + bytes.count + 2)
        framed.writeBytes(prefix)
        framed.writeBytes(bytes)
        framed.writeBytes([13, 10])
        self.framed = framed
        payload = framed.getSlice(at: prefix.count, length: bytes.count) ?? ByteBuffer()
        webSocketHead = ByteBuffer(
            bytes: WebSocketFrameHeader.bytes(opcode: WebSocketFrameHeader.binary, length: bytes.count))
    }

    /// The bytes a viewer writes: all of `framed` when chunked, else the payload.
    func bytes(chunked: Bool) -> ByteBuffer { chunked ? framed : payload }

    /// Bytes held, for the ring's budget.
    var size: Int { framed.readableBytes }

    /// `bytes` framed as one chunk of chunked transfer encoding (the terminator when empty).
    static func frame(_ bytes: [UInt8]) -> [UInt8] {
        bytes.isEmpty
            ? Array("0\r\n\r\n".utf8) : Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10]
    }
}
