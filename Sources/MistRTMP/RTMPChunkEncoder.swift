/// Splits messages into RTMP chunks at the chunk size this side announced.
public struct RTMPChunkEncoder: Sendable {
    public private(set) var chunkSize = 128

    public init() {}

    /// Changes the size used for the following messages; send `RTMPControl.setChunkSize` first.
    public mutating func setChunkSize(_ size: Int) {
        chunkSize = max(1, min(size, 0xFF_FFFF))
    }

    /// Appends the chunks of one message (`prefix` and `body` together form the payload, so a
    /// media header and a frame from shared memory need not be joined first) to `out`.
    public func encode(
        type: UInt8, streamID: UInt32, timestamp: UInt32, chunkStream: UInt32, prefix: [UInt8] = [],
        body: UnsafeRawBufferPointer, into out: inout [UInt8]
    ) {
        let length = prefix.count + body.count
        let extended = timestamp >= 0xFF_FFFF
        let field = extended ? 0xFF_FFFF : timestamp
        RTMPChunkEncoder.basicHeader(format: 0, chunkStream: chunkStream, into: &out)
        out += [
            UInt8(truncatingIfNeeded: field >> 16), UInt8(truncatingIfNeeded: field >> 8),
            UInt8(truncatingIfNeeded: field), UInt8(truncatingIfNeeded: length >> 16),
            UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), type,
            UInt8(truncatingIfNeeded: streamID), UInt8(truncatingIfNeeded: streamID >> 8),
            UInt8(truncatingIfNeeded: streamID >> 16), UInt8(truncatingIfNeeded: streamID >> 24),
        ]
        if extended { RTMPChunkEncoder.appendUInt32(timestamp, to: &out) }
        var written = 0
        var inChunk = 0
        func roomLeft() -> Int { chunkSize - inChunk }
        func continuation() {
            RTMPChunkEncoder.basicHeader(format: 3, chunkStream: chunkStream, into: &out)
            if extended { RTMPChunkEncoder.appendUInt32(timestamp, to: &out) }
            inChunk = 0
        }
        var prefixIndex = 0
        while prefixIndex < prefix.count {
            if inChunk == chunkSize { continuation() }
            let count = min(roomLeft(), prefix.count - prefixIndex)
            out += prefix[prefixIndex..<(prefixIndex + count)]
            prefixIndex += count
            inChunk += count
            written += count
        }
        var bodyIndex = 0
        while bodyIndex < body.count {
            if inChunk == chunkSize { continuation() }
            let count = min(roomLeft(), body.count - bodyIndex)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: body[bodyIndex..<(bodyIndex + count)]))
            bodyIndex += count
            inChunk += count
            written += count
        }
    }

    /// A whole message from an array.
    public func encode(_ message: RTMPMessage, chunkStream: UInt32, into out: inout [UInt8]) {
        message.payload.withUnsafeBytes { body in
            encode(
                type: message.type, streamID: message.streamID, timestamp: message.timestamp,
                chunkStream: chunkStream, body: body, into: &out)
        }
    }

    static func basicHeader(format: UInt8, chunkStream: UInt32, into out: inout [UInt8]) {
        if chunkStream < 64 {
            out.append(format << 6 | UInt8(chunkStream))
        } else if chunkStream < 320 {
            out += [format << 6, UInt8(chunkStream - 64)]
        } else {
            let value = chunkStream - 64
            out += [format << 6 | 1, UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
        }
    }

    static func appendUInt32(_ value: UInt32, to out: inout [UInt8]) {
        out += [
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
    }
}
