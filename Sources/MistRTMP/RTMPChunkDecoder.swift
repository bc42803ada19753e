/// Reassembles RTMP messages from the chunk stream a peer sends: basic and message headers of
/// all four formats, extended timestamps, the peer's chunk size and aborted messages. Input is
/// appended as it arrives; `nextMessage` returns whole messages and leaves partial chunks for
/// later. Limits on message size and chunk streams keep a hostile peer from using much memory.
public struct RTMPChunkDecoder {
    /// Larger messages are refused (even 4K keyframes stay far below).
    public static let maximumMessageSize = 8 << 20
    public static let maximumChunkStreams = 64
    /// The messages in progress on all chunk streams together (so one peer holds at most this
    /// much, not 64 times the largest message).
    public static let maximumPendingBytes = 16 << 20

    struct ChunkStream {
        var timestamp: UInt32 = 0
        var delta: UInt32 = 0
        var length: Int = 0
        var type: UInt8 = 0
        var streamID: UInt32 = 0
        var extended = false
        var payload: [UInt8] = []
        var started = false
    }

    /// The peer's chunk size (changed by its Set Chunk Size message).
    public private(set) var chunkSize = 128
    private var streams: [UInt32: ChunkStream] = [:]
    private var buffer: [UInt8] = []
    private var offset = 0
    /// Bytes taken in so far (for acknowledgements).
    public private(set) var bytesReceived: UInt64 = 0

    public init() {}

    public mutating func append<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if offset > 0 && offset >= buffer.count / 2 {
            buffer.removeFirst(offset)
            offset = 0
        }
        buffer.append(contentsOf: bytes)
        bytesReceived &+= UInt64(bytes.count)
    }

    /// The next complete message, or nil when more bytes are needed. Protocol control messages
    /// that concern the chunk layer (chunk size, abort) are applied and also returned.
    public mutating func nextMessage() throws(RTMPError) -> RTMPMessage? {
        while true {
            let start = offset
            guard let result = try readChunk() else {
                offset = start
                return nil
            }
            if let message = result { return message }
        }
    }

    /// One chunk: nil when incomplete; `.some(nil)` when it did not finish a message.
    private mutating func readChunk() throws(RTMPError) -> RTMPMessage?? {
        guard let first = byte(at: offset) else { return nil }
        let format = first >> 6
        var id = UInt32(first & 0x3F)
        var position = offset + 1
        if id == 0 {
            guard let next = byte(at: position) else { return nil }
            id = 64 + UInt32(next)
            position += 1
        } else if id == 1 {
            guard let low = byte(at: position), let high = byte(at: position + 1) else { return nil }
            id = 64 + UInt32(low) + UInt32(high) << 8
            position += 2
        }
        let headerLength = [11, 7, 3, 0][Int(format)]
        guard buffer.count - position >= headerLength else { return nil }
        var stream = streams[id] ?? ChunkStream()
        if format <= 2 && stream.started {
            // A new header in the middle of a message: the peer abandoned it; start over.
            stream.payload = []
            stream.started = false
        }
        if streams[id] == nil && streams.count >= RTMPChunkDecoder.maximumChunkStreams {
            throw .tooManyChunkStreams
        }
        var timestampField: UInt32 = 0
        if format <= 2 { timestampField = uint(at: position, width: 3) }
        if format <= 1 {
            stream.length = Int(uint(at: position + 3, width: 3))
            stream.type = buffer[position + 6]
            guard stream.length <= RTMPChunkDecoder.maximumMessageSize else { throw .messageTooLarge(stream.length) }
            let pending = streams.reduce(0) { $1.key == id || !$1.value.started ? $0 : $0 + $1.value.length }
            guard pending + stream.length <= RTMPChunkDecoder.maximumPendingBytes else {
                throw .messageTooLarge(pending + stream.length)
            }
        }
        if format == 0 { stream.streamID = uint(at: position + 7, width: 4).byteSwapped }  // little-endian on the wire
        position += headerLength
        if format == 3 {
            guard stream.started || stream.length > 0 || stream.type != 0 else {
                throw .continuationWithoutStart(chunkStream: id)
            }
        }
        let usesExtended = format <= 2 ? timestampField == 0xFF_FFFF : stream.extended
        var extendedValue: UInt32 = 0
        if usesExtended {
            guard buffer.count - position >= 4 else { return nil }
            extendedValue = uint(at: position, width: 4)
            position += 4
        }
        let newMessage = stream.payload.isEmpty && !stream.started
        let take = max(0, min(chunkSize, stream.length - stream.payload.count))
        guard buffer.count - position >= take else { return nil }

        // The header is complete: apply it.
        if format <= 2 {
            stream.extended = usesExtended
            let value = usesExtended ? extendedValue : timestampField
            if format == 0 {
                stream.timestamp = value
                stream.delta = 0
            } else {
                stream.delta = value
                if newMessage { stream.timestamp &+= value }
            }
        } else if newMessage {
            stream.timestamp &+= stream.delta
        }
        stream.started = true
        stream.payload.append(contentsOf: buffer[position..<(position + take)])
        position += take
        offset = position
        if stream.payload.count < stream.length {
            streams[id] = stream
            return .some(nil)
        }
        let message = RTMPMessage(
            type: stream.type, streamID: stream.streamID, timestamp: stream.timestamp, payload: stream.payload)
        stream.payload = []
        stream.started = false
        streams[id] = stream
        try applyControl(message)
        return .some(message)
    }

    private mutating func applyControl(_ message: RTMPMessage) throws(RTMPError) {
        guard message.streamID == 0 || message.type <= 2 else { return }
        switch message.type {
        case RTMPMessage.Kind.setChunkSize:
            guard message.payload.count >= 4 else { throw .malformed("Set Chunk Size") }
            let size = message.payload.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF
            guard size >= 1, size <= 0xFF_FFFF else { throw .badChunkSize(size) }
            chunkSize = Int(size)
        case RTMPMessage.Kind.abort:
            guard message.payload.count >= 4 else { throw .malformed("Abort") }
            let id = message.payload.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            streams[id]?.payload = []
            streams[id]?.started = false
        default: break
        }
    }

    private func byte(at index: Int) -> UInt8? { index < buffer.count ? buffer[index] : nil }

    private func uint(at index: Int, width: Int) -> UInt32 {
        var value: UInt32 = 0
        for position in index..<(index + width) { value = value << 8 | UInt32(buffer[position]) }
        return value
    }
}
