import MistData
import NIOCore

/// DTSC's framing on an event loop: the bytes a peer sends become whole frames (`DTSC`, `DTCM`,
/// `DTP2`, `DTPD`), each validated, as slices of what arrived. Bytes that cannot start a frame,
/// or a frame over `maximumFrameLength`, end the connection with a typed error.
struct DTSCFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maximumFrameLength: Int

    init(maximumFrameLength: Int = 8 << 20) { self.maximumFrameLength = maximumFrameLength }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let limit = maximumFrameLength
        let length = try buffer.withUnsafeReadableBytes { raw throws(DTMIError) -> Int? in
            var frames = DTSCFrameIterator(raw, maximumFrameLength: limit)
            return try frames.next()?.frameLength
        }
        guard let length, let frame = buffer.readSlice(length: length) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}
