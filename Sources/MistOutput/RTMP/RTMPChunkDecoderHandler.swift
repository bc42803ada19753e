import MistRTMP
import NIOCore

/// The inbound half of RTMP's chunk codec: the bytes after the handshake become whole messages
/// (the peer's chunk size, aborts and the limits of `RTMPChunkDecoder` applied).
struct RTMPChunkDecoderHandler: ByteToMessageDecoder {
    typealias InboundOut = RTMPMessage

    private var decoder = RTMPChunkDecoder()

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard buffer.readableBytes > 0 else { return .needMoreData }
        buffer.withUnsafeReadableBytes { decoder.append($0) }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        while let message = try decoder.nextMessage() { context.fireChannelRead(wrapInboundOut(message)) }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}
