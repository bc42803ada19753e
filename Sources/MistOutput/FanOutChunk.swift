/// A run of bytes a fan-out group muxed once and hands to every viewer: kept framed for chunked
/// transfer, so chunked viewers send it whole and the others send `payload` of it.
final class FanOutChunk {
    let sequence: Int
    /// Whether a viewer can start with this chunk (it begins at a keyframe with its tables).
    let joinable: Bool
    /// `<hex length>\r\n<payload>\r\n`.
    let framed: [UInt8]
    let payload: Range<Int>

    init(sequence: Int, joinable: Bool, payload bytes: [UInt8]) {
        self.sequence = sequence
        self.joinable = joinable
        let prefix = Array(String(bytes.count, radix: 16).utf8) + [13, 10]
        var framed = prefix
        framed.reserveCapacity(prefix.count + bytes.count + 2)
        framed += bytes
        framed += [13, 10]
        self.framed = framed
        payload = prefix.count..<(prefix.count + bytes.count)
    }

    /// The bytes a viewer sends: all of `framed` when chunked, else the payload.
    func range(chunked: Bool) -> Range<Int> { chunked ? 0..<framed.count : payload }

    /// Bytes held, for the ring's budget.
    var size: Int { framed.count }

    /// `bytes` framed as one chunk of chunked transfer encoding (the terminator when empty).
    static func frame(_ bytes: [UInt8]) -> [UInt8] {
        bytes.isEmpty
            ? Array("0\r\n\r\n".utf8) : Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10]
    }
}
