import MistRTMP
import NIOCore

/// RTMP's handshake on an event loop: waits for C0+C1, answers S0+S1+S2 (with the Flash digest
/// when the client used one), waits for C2, then hands what follows to the chunk decoder and
/// leaves the pipeline. A handshake that takes longer than `seconds` ends the connection.
final class RTMPHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var received: [UInt8] = []
    private var answered = false
    private var deadline: Scheduled<Void>?
    private let seconds: Int64
    private var done = false

    init(seconds: Int64 = 10) { self.seconds = seconds }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: .seconds(seconds)) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { deadline?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return context.fireChannelRead(data) }
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        if !answered {
            guard received.count >= 1 + RTMPHandshake.size else { return }
            do {
                let answer = try RTMPHandshake.respond(to: Array(received[0..<(1 + RTMPHandshake.size)]))
                context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: answer)), promise: nil)
            } catch {
                context.fireErrorCaught(error)
                context.close(promise: nil)
                return
            }
            received.removeFirst(1 + RTMPHandshake.size)
            answered = true
        }
        guard received.count >= RTMPHandshake.size else { return }
        done = true
        deadline?.cancel()
        let rest = received.dropFirst(RTMPHandshake.size)
        received = []
        if !rest.isEmpty { context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: rest))) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
