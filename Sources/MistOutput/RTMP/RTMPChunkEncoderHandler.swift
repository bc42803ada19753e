import MistRTMP
import NIOCore

/// The outbound half of RTMP's chunk codec: messages become chunks at the chunk size this side
/// announced; bytes already chunked pass untouched (so shared buffers are not copied).
final class RTMPChunkEncoderHandler: ChannelOutboundHandler {
    typealias OutboundIn = RTMPOutgoing
    typealias OutboundOut = ByteBuffer

    private var encoder = RTMPChunkEncoder()
    private var scratch: [UInt8] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .chunked(let buffer):
            context.write(wrapOutboundOut(buffer), promise: promise)
        case .message(let message, let chunkStream):
            scratch.removeAll(keepingCapacity: true)
            encoder.encode(message, chunkStream: chunkStream, into: &scratch)
            // The announcement goes out at the old size; what follows uses the new one.
            if message.type == RTMPMessage.Kind.setChunkSize && message.payload.count >= 4 {
                let size = message.payload[0..<4].reduce(0) { $0 << 8 | Int($1) } & 0x7FFF_FFFF
                encoder.setChunkSize(size)
            }
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: scratch)), promise: promise)
        }
    }
}
